import Foundation
import GatewayLimits
import GatewayMetrics
import GatewayRedisTesting
import NIOCore
import NIOPosix
import Testing

@testable import GatewayRedis

/// The shared rate limiter against a real `redis-server`: one budget across two limiters (two
/// replicas), the script's SHA and its reload after `NOSCRIPT`, and the fall back to local
/// buckets while Redis is down — warned once, counted, and undone when Redis is back.
@Suite(.enabled(if: RedisServer.isAvailable, "\(RedisServer.missingMessage)"), .timeLimit(.minutes(1)))
struct RedisRateLimiterTests {
    static let key = RateLimitKey.credential(route: "orders", credential: "api_key:partner-acme")

    static func acquire(_ limiter: RedisRateLimiter, _ key: RateLimitKey = Self.key, limit: RateLimit, on loop: any EventLoop) async throws -> RateLimitDecision {
        try await loop.flatSubmit { () -> EventLoopFuture<RateLimitDecision> in
            guard case .pending(let future) = limiter.acquire(key, limit: limit, on: loop) else {
                return loop.makeFailedFuture(CancellationError())
            }
            return future.map { decision in
                loop.preconditionInEventLoop()
                return decision
            }
        }.get()
    }

    /// SPEC §9: with a Redis store replicas share one budget — a limit of N per minute admits N
    /// in total across two limiters, not N each.
    @Test func twoLimitersShareOneBudget() async throws {
        try await RedisTestSupport.withServer(threads: 2) { server, group in
            let logs = LogCapture()
            let first = RedisRateLimiter(client: try RedisTestSupport.client(RedisTestSupport.configuration(server), group: group), logger: logs.logger)
            let second = RedisRateLimiter(client: try RedisTestSupport.client(RedisTestSupport.configuration(server), group: group), logger: logs.logger)
            let loopA = group.next()
            let loopB = group.next()
            // 5 an hour: a token every 720 s, so a slow machine cannot move the figures much.
            let limit = RateLimit(count: 5, period: .seconds(3600))
            var decisions: [RateLimitDecision] = []
            for index in 0..<12 {
                decisions.append(try await Self.acquire(index.isMultiple(of: 2) ? first : second, limit: limit, on: index.isMultiple(of: 2) ? loopA : loopB))
            }
            #expect(decisions.filter(\.isAllowed).count == 5)
            #expect(decisions.prefix(5).allSatisfy { $0.isAllowed })
            #expect(Array(decisions.map(\.remaining).prefix(5)) == [4, 3, 2, 1, 0])
            #expect(decisions.allSatisfy { $0.source == .shared && $0.limit == 5 })
            let refused = decisions[5]
            #expect(!refused.isAllowed)
            // One token comes back every 720 s: Retry-After 720 at most (the server's clock moved a
            // little since the first request); the bucket is full again an hour after it.
            #expect(refused.retryAfterSeconds > 700 && refused.retryAfterSeconds <= 720, "\(refused.retryAfterSeconds)")
            #expect(refused.resetSeconds > 3_580 && refused.resetSeconds <= 3_600, "\(refused.resetSeconds)")
            #expect(refused.headerFields.first?.name == "Retry-After")

            // Concurrently from both: still 5 in total for a fresh bucket.
            let other = RateLimitKey.address(route: "public", address: "203.0.113.9")
            var allowed = 0
            try await withThrowingTaskGroup(of: Bool.self) { tasks in
                for index in 0..<40 {
                    tasks.addTask {
                        try await Self.acquire(index.isMultiple(of: 2) ? first : second, other, limit: limit, on: index.isMultiple(of: 2) ? loopA : loopB).isAllowed
                    }
                }
                for try await isAllowed in tasks where isAllowed { allowed += 1 }
            }
            #expect(allowed == 5)

            // The bucket is in Redis under a key made of the route and client only, expiring when full.
            let client = first.client
            #expect(first.redisKey(Self.key) == "gw:rl:orders:api_key:partner-acme")
            let ttl = try await RedisTestSupport.send(client, RedisCommand("PTTL", ["gw:rl:orders:api_key:partner-acme"]), on: loopA).integer ?? -1
            #expect(ttl > 3_500_000 && ttl <= 3_600_000, "PTTL \(ttl)")
            #expect(logs.count(.warning, containing: "rate limits") == 0)
            await first.client.shutdown()
            await second.client.shutdown()
        }
    }

    /// The script is named by the SHA-1 `SCRIPT LOAD` answers; after `SCRIPT FLUSH` (or a restart)
    /// the limiter loads it again and still decides on the shared bucket.
    @Test func noScriptIsRecovered() async throws {
        try await RedisTestSupport.withServer { server, group in
            let loop = group.next()
            let metrics = GatewayMetrics()
            let logs = LogCapture()
            let client = try RedisTestSupport.client(RedisTestSupport.configuration(server), group: group, metrics: metrics)
            let limiter = RedisRateLimiter(client: client, metrics: metrics, logger: logs.logger)
            let limit = RateLimit(count: 3, period: .seconds(60))
            let loaded = try await RedisTestSupport.send(client, RedisCommand("SCRIPT", ["LOAD", RedisArgument(RateLimitScript.source)]), on: loop)
            #expect(loaded.string == RateLimitScript.sha1)
            #expect(try await Self.acquire(limiter, limit: limit, on: loop).remaining == 2)
            #expect(try await RedisTestSupport.send(client, RedisCommand("SCRIPT", ["FLUSH"]), on: loop) == .simpleString("OK"))
            let exists: RESPValue = .array([.integer(0)])
            #expect(try await RedisTestSupport.send(client, RedisCommand("SCRIPT", ["EXISTS", RedisArgument(RateLimitScript.sha1)]), on: loop) == exists)
            let afterFlush = try await Self.acquire(limiter, limit: limit, on: loop)
            #expect(afterFlush.source == .shared)
            #expect(afterFlush.remaining == 1)  // the same bucket: the flush dropped scripts, not keys
            #expect(try await RedisTestSupport.send(client, RedisCommand("SCRIPT", ["EXISTS", RedisArgument(RateLimitScript.sha1)]), on: loop) == .array([.integer(1)]))
            #expect(!String(decoding: metrics.exposition(), as: UTF8.self).contains("gateway_rate_limit_local_fallback_total 1"))
            await client.shutdown()
        }
    }

    /// Redis down: decided on local buckets at once, counted, warned once (not per request);
    /// Redis back: shared again, with a notice.
    @Test func fallsBackToLocalBucketsWhileRedisIsDown() async throws {
        try await RedisTestSupport.withServer { server, group in
            let loop = group.next()
            let metrics = GatewayMetrics()
            let logs = LogCapture()
            let client = try RedisTestSupport.client(
                RedisTestSupport.configuration(server, commandTimeout: .milliseconds(250)),
                group: group,
                metrics: metrics,
                logs: logs
            )
            let limiter = RedisRateLimiter(client: client, metrics: metrics, logger: logs.logger)
            let limit = RateLimit(count: 2, period: .seconds(60))
            #expect(try await Self.acquire(limiter, limit: limit, on: loop).source == .shared)
            await server.stop()
            var local: [RateLimitDecision] = []
            for _ in 0..<4 {
                let (decision, elapsed) = try await RedisTestSupport.timed(on: loop) { () -> EventLoopFuture<RateLimitDecision> in
                    guard case .pending(let future) = limiter.acquire(Self.key, limit: limit, on: loop) else {
                        return loop.makeFailedFuture(CancellationError())
                    }
                    return future
                }
                local.append(decision)
                #expect(elapsed < .milliseconds(250), "\(elapsed)")
            }
            #expect(local.allSatisfy { $0.source == .localFallback })
            // The local bucket enforces the same limit on its own.
            #expect(local.map(\.isAllowed) == [true, true, false, false])
            #expect(logs.count(.warning, containing: "rate limits: Redis does not answer") == 1)
            #expect(String(decoding: metrics.exposition(), as: UTF8.self).contains("gateway_rate_limit_local_fallback_total 4"))

            try await server.restart()
            try await loop.flatSubmit { client.ready(on: loop) }.get()
            let back = try await Self.acquire(limiter, limit: limit, on: loop)
            #expect(back.source == .shared)
            #expect(logs.count(.notice, containing: "rate limits: Redis answers again") == 1)
            // A second outage warns again, once.
            await server.stop()
            _ = try await Self.acquire(limiter, limit: limit, on: loop)
            _ = try await Self.acquire(limiter, limit: limit, on: loop)
            #expect(logs.count(.warning, containing: "rate limits: Redis does not answer") == 2)
            await client.shutdown()
        }
    }

    @Test func theScriptsRepliesAreChecked() throws {
        let limit = RateLimit(count: 10, period: .seconds(1))
        let decision = try RedisRateLimiter.decision(.array([.integer(0), .integer(0), .integer(100_000), .integer(900_000)]), limit: limit)
        #expect(!decision.isAllowed)
        #expect(decision.retryAfterNanoseconds == 100_000_000)
        #expect(decision.resetNanoseconds == 900_000_000)
        #expect(decision.limit == 10)
        #expect(throws: RedisError.self) { try RedisRateLimiter.decision(.array([.integer(1)]), limit: limit) }
        #expect(throws: RedisError.self) { try RedisRateLimiter.decision(.simpleString("OK"), limit: limit) }
    }
}
