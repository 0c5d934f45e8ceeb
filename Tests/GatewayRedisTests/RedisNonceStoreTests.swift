import Foundation
import GatewayMetrics
import GatewayRedisTesting
import GatewayReplay
import NIOCore
import NIOPosix
import Testing

@testable import GatewayRedis

/// The shared replay store against a real `redis-server`: fresh, replayed, the expiry Redis is
/// given, two stores (two replicas) sharing it, revocations, and a Redis that is down.
@Suite(.enabled(if: RedisServer.isAvailable, "\(RedisServer.missingMessage)"), .timeLimit(.minutes(1)))
struct RedisNonceStoreTests {
    static let now: Int64 = 1_700_000_000

    static func claim(_ store: RedisNonceStore, _ key: NonceKey, expiresAt: Int64, now: Int64 = Self.now, on loop: any EventLoop) async throws -> ReplayOutcome {
        try await loop.flatSubmit { () -> EventLoopFuture<ReplayOutcome> in
            guard case .pending(let future) = store.claim(key, expiresAt: expiresAt, now: now, on: loop) else {
                return loop.makeFailedFuture(CancellationError())
            }
            return future.map { outcome in
                loop.preconditionInEventLoop()
                return outcome
            }
        }.get()
    }

    static func contains(_ store: RedisNonceStore, _ key: NonceKey, on loop: any EventLoop) async throws -> ReplayPresence {
        try await loop.flatSubmit { () -> EventLoopFuture<ReplayPresence> in
            guard case .pending(let future) = store.contains(key, now: Self.now, on: loop) else {
                return loop.makeFailedFuture(CancellationError())
            }
            return future
        }.get()
    }

    static func record(_ store: RedisNonceStore, _ key: NonceKey, expiresAt: Int64, on loop: any EventLoop) async throws -> ReplayOutcome {
        try await loop.flatSubmit { () -> EventLoopFuture<ReplayOutcome> in
            guard case .pending(let future) = store.record(key, expiresAt: expiresAt, now: Self.now, on: loop) else {
                return loop.makeFailedFuture(CancellationError())
            }
            return future
        }.get()
    }

    @Test func freshThenReplayedWithTheWindowAsExpiry() async throws {
        try await RedisTestSupport.withServer { server, group in
            let loop = group.next()
            let client = try RedisTestSupport.client(RedisTestSupport.configuration(server), group: group)
            let store = RedisNonceStore(client: client)
            let key = NonceKey.signature(keyID: "billing-bot", nonce: "n-0001-abcdefghijkl")
            #expect(try await Self.claim(store, key, expiresAt: Self.now + 300, on: loop) == .fresh)
            #expect(try await Self.claim(store, key, expiresAt: Self.now + 300, now: Self.now + 10, on: loop) == .replayed)
            // Same nonce, another key id: another entry (SPEC §4).
            #expect(try await Self.claim(store, .signature(keyID: "other-bot", nonce: "n-0001-abcdefghijkl"), expiresAt: Self.now + 300, on: loop) == .fresh)
            #expect(try await Self.claim(store, .jwt(keyID: "billing-bot", jti: "n-0001-abcdefghijkl"), expiresAt: Self.now + 300, on: loop) == .fresh)

            // The key is namespaced from configuration and the request only, and expires with the
            // window: 300 s to the end of the second, so 301 000 ms at most.
            let redisKey = "gw:nonce:signature:billing-bot:n-0001-abcdefghijkl"
            #expect(store.redisKey(key) == redisKey)
            #expect(try await RedisTestSupport.send(client, RedisCommand("GET", [RedisArgument(redisKey)]), on: loop).string == "1")
            let ttl = try await RedisTestSupport.send(client, RedisCommand("PTTL", [RedisArgument(redisKey)]), on: loop).integer ?? -1
            // (Not above 301 000 ms; a loaded machine may take a while between the SET and the PTTL.)
            #expect(ttl > 280_000 && ttl <= 301_000, "PTTL \(ttl)")

            // Once Redis expires the key the nonce is fresh again: PEXPIRE stands in for the window's
            // passing, and the test waits on Redis (round trips), not on a sleep.
            _ = try await RedisTestSupport.send(client, RedisCommand("PEXPIRE", [RedisArgument(redisKey), 1]), on: loop)
            while try await RedisTestSupport.send(client, RedisCommand("EXISTS", [RedisArgument(redisKey)]), on: loop) == .integer(1) {}
            #expect(try await Self.claim(store, key, expiresAt: Self.now + 300, on: loop) == .fresh)
            await client.shutdown()
        }
    }

    @Test func expiryMillisecondsCoverTheWholeLastSecond() {
        #expect(RedisNonceStore.milliseconds(until: 1_300, now: 1_000) == 301_000)
        #expect(RedisNonceStore.milliseconds(until: 1_000, now: 1_000) == 1_000)
        #expect(RedisNonceStore.milliseconds(until: 999, now: 1_000) == 1)
        #expect(RedisNonceStore.milliseconds(until: .max, now: .min) == 1)
        #expect(RedisNonceStore.milliseconds(until: .max, now: 0) > 0)
    }

    /// Two replicas: two clients, two stores, one Redis. A nonce accepted by one is refused by
    /// the other, including when both claim it at the same moment.
    @Test func twoStoresShareOneWindow() async throws {
        try await RedisTestSupport.withServer(threads: 2) { server, group in
            let first = RedisNonceStore(client: try RedisTestSupport.client(RedisTestSupport.configuration(server), group: group))
            let second = RedisNonceStore(client: try RedisTestSupport.client(RedisTestSupport.configuration(server), group: group))
            let loopA = group.next()
            let loopB = group.next()
            let key = NonceKey.jwt(keyID: "auth-es256", jti: "jti-42")
            #expect(try await Self.claim(first, key, expiresAt: Self.now + 60, on: loopA) == .fresh)
            #expect(try await Self.claim(second, key, expiresAt: Self.now + 60, on: loopB) == .replayed)
            // 100 nonces claimed by both at once: each is fresh exactly once.
            var fresh = 0
            try await withThrowingTaskGroup(of: ReplayOutcome.self) { tasks in
                for index in 0..<100 {
                    let nonce = NonceKey.signature(keyID: "bot", nonce: "race-\(index)")
                    tasks.addTask { try await Self.claim(first, nonce, expiresAt: Self.now + 60, on: loopA) }
                    tasks.addTask { try await Self.claim(second, nonce, expiresAt: Self.now + 60, on: loopB) }
                }
                for try await outcome in tasks where outcome == .fresh { fresh += 1 }
            }
            #expect(fresh == 100)
            await first.client.shutdown()
            await second.client.shutdown()
        }
    }

    /// Revocations: `record` stores whatever is there and keeps the later expiry; `contains`
    /// looks without recording.
    @Test func recordAndContains() async throws {
        try await RedisTestSupport.withServer { server, group in
            let loop = group.next()
            let client = try RedisTestSupport.client(RedisTestSupport.configuration(server), group: group)
            let store = RedisNonceStore(client: client)
            let revoked = NonceKey(scope: "revoked:gw-es256", value: "jti-7")
            #expect(try await Self.contains(store, revoked, on: loop) == .absent)
            #expect(try await RedisTestSupport.send(client, RedisCommand("EXISTS", ["gw:nonce:revoked:gw-es256:jti-7"]), on: loop) == .integer(0))
            #expect(try await Self.record(store, revoked, expiresAt: Self.now + 900, on: loop) == .fresh)
            #expect(try await Self.contains(store, revoked, on: loop) == .present)
            // Recorded again with an earlier expiry: the later one stays.
            #expect(try await Self.record(store, revoked, expiresAt: Self.now + 10, on: loop) == .fresh)
            let ttl = try await RedisTestSupport.send(client, RedisCommand("PTTL", ["gw:nonce:revoked:gw-es256:jti-7"]), on: loop).integer ?? -1
            #expect(ttl > 800_000, "PTTL \(ttl)")
            #expect(try await Self.record(store, revoked, expiresAt: Self.now + 2_000, on: loop) == .fresh)
            let longer = try await RedisTestSupport.send(client, RedisCommand("PTTL", ["gw:nonce:revoked:gw-es256:jti-7"]), on: loop).integer ?? -1
            #expect(longer > 1_900_000, "PTTL \(longer)")
            await client.shutdown()
        }
    }

    /// Redis down: `.unavailable` at once (never an allow), counted; Redis back: answers again.
    @Test func unreachableRedisIsUnavailableQuicklyAndCounted() async throws {
        try await RedisTestSupport.withServer { server, group in
            let loop = group.next()
            let metrics = GatewayMetrics()
            let client = try RedisTestSupport.client(
                RedisTestSupport.configuration(server, commandTimeout: .milliseconds(250)),
                group: group,
                metrics: metrics
            )
            let store = RedisNonceStore(client: client, metrics: metrics)
            #expect(try await Self.claim(store, .signature(keyID: "k", nonce: "before"), expiresAt: Self.now + 60, on: loop) == .fresh)
            await server.stop()
            for index in 0..<3 {
                // Timed on the loop, from the claim to its answer.
                let (outcomes, elapsed) = try await RedisTestSupport.timed(on: loop) { () -> EventLoopFuture<[String]> in
                    guard case .pending(let claim) = store.claim(.signature(keyID: "k", nonce: "during-\(index)"), expiresAt: Self.now + 60, now: Self.now, on: loop),
                        case .pending(let lookup) = store.contains(.signature(keyID: "k", nonce: "before"), now: Self.now, on: loop),
                        case .pending(let record) = store.record(.signature(keyID: "k", nonce: "r"), expiresAt: Self.now + 60, now: Self.now, on: loop)
                    else { return loop.makeFailedFuture(CancellationError()) }
                    return claim.and(lookup).and(record).map { pair, record in ["\(pair.0)", "\(pair.1)", "\(record)"] }
                }
                #expect(outcomes == ["unavailable", "unavailable", "unavailable"])
                #expect(elapsed < .milliseconds(250), "\(elapsed)")
            }
            #expect(String(decoding: metrics.exposition(), as: UTF8.self).contains("gateway_replay_store_unavailable_total 9"))
            try await server.restart()
            try await loop.flatSubmit { client.ready(on: loop) }.get()
            #expect(try await Self.claim(store, .signature(keyID: "k", nonce: "after"), expiresAt: Self.now + 60, on: loop) == .fresh)
            await client.shutdown()
        }
    }
}
