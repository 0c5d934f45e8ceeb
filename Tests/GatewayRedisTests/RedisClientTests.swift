import Foundation
import GatewayMetrics
import GatewayRedisTesting
import GatewayRules
import NIOCore
import NIOPosix
import Testing

@testable import GatewayRedis

/// The client against a real `redis-server` of the test's own: pipelining on the caller's loop,
/// AUTH (password, user and password), SELECT, a server that stops (commands fail fast) and comes
/// back (the same client recovers).
@Suite(.enabled(if: RedisServer.isAvailable, "\(RedisServer.missingMessage)"), .timeLimit(.minutes(1)))
struct RedisClientTests {
    @Test func pipelinedCommandsCompleteInOrderOnTheCallersLoop() async throws {
        try await RedisTestSupport.withServer(threads: 2) { server, group in
            let client = try RedisTestSupport.client(RedisTestSupport.configuration(server), group: group)
            let loop = group.next()
            // 200 commands issued in one turn of the loop: written back to back, answered in order.
            let replies = try await loop.flatSubmit {
                let futures = (0..<200).map { _ in
                    client.send(RedisCommand("INCR", ["counter"]), on: loop).map { reply -> Int64? in
                        loop.preconditionInEventLoop()
                        return reply.integer
                    }
                }
                return EventLoopFuture.whenAllSucceed(futures, on: loop)
            }.get()
            #expect(replies == (1...200).map { Optional(Int64($0)) })
            // From another loop, and from outside any loop: each completes on the loop named.
            let other = group.next()
            #expect(other !== loop)
            let pong = try await client.send(RedisCommand("PING"), on: other).map { reply -> RESPValue in
                other.preconditionInEventLoop()
                return reply
            }.get()
            #expect(pong == .simpleString("PONG"))
            await client.shutdown()
        }
    }

    @Test func authWithAPassword() async throws {
        try await RedisTestSupport.withServer(arguments: ["--requirepass", "s3cret-pw"]) { server, group in
            let loop = group.next()
            var configuration = RedisTestSupport.configuration(server)
            configuration.password = Secret(bytes: Array("s3cret-pw".utf8), source: .inline)
            let client = try RedisTestSupport.client(configuration, group: group)
            #expect(try await RedisTestSupport.send(client, RedisCommand("PING"), on: loop) == .simpleString("PONG"))

            // Without the password the server refuses the commands.
            let anonymous = try RedisTestSupport.client(RedisTestSupport.configuration(server), group: group)
            await #expect(throws: RedisError.self) { try await RedisTestSupport.send(anonymous, RedisCommand("PING"), on: loop) }

            // A wrong password: the connection is refused, and no text (error, log) holds it.
            var wrong = RedisTestSupport.configuration(server)
            wrong.password = Secret(bytes: Array("not-the-password".utf8), source: .inline)
            let logs = LogCapture()
            let metrics = GatewayMetrics()
            let refused = try RedisTestSupport.client(wrong, group: group, metrics: metrics, logs: logs)
            do {
                _ = try await RedisTestSupport.send(refused, RedisCommand("PING"), on: loop)
                Issue.record("a wrong password must not connect")
            } catch let error as RedisError {
                #expect(error.kind == "auth")
                #expect(!"\(error)".contains("not-the-password"))
            }
            #expect(!logs.all.isEmpty)
            #expect(logs.all.allSatisfy { !$0.message.contains("not-the-password") && !$0.metadata.contains("not-the-password") })
            #expect(String(decoding: metrics.exposition(), as: UTF8.self).contains("gateway_redis_errors_total{kind=\"auth\"}"))
            #expect(!"\(wrong)".contains("not-the-password"))
            for client in [client, anonymous, refused] { await client.shutdown() }
        }
    }

    /// Redis 6 ACLs: `AUTH username password`, from a `redis://user:password@…` URL.
    @Test func authWithAUserAndPassword() async throws {
        try await RedisTestSupport.withServer(arguments: ["--user", "gateway", "on", ">gw-pass", "~gw:*", "+@all"]) { server, group in
            let loop = group.next()
            guard let redis = try RedisTestSupport.redisLocation(fromStoreURL: "redis://gateway:gw-pass@127.0.0.1:\(server.port)") else {
                Issue.record("a redis store")
                return
            }
            let client = try RedisTestSupport.client(RedisConfiguration(redis), group: group)
            #expect(try await RedisTestSupport.send(client, RedisCommand("SET", ["gw:k", "v"]), on: loop) == .simpleString("OK"))
            // The ACL is the user's: a key outside ~gw:* is refused, which shows AUTH named the user.
            await #expect(throws: RedisError.self) {
                try await RedisTestSupport.send(client, RedisCommand("SET", ["other", "v"]), on: loop)
            }
            await client.shutdown()
        }
    }

    @Test func selectsTheDatabase() async throws {
        try await RedisTestSupport.withServer { server, group in
            let loop = group.next()
            let three = try RedisTestSupport.client(RedisTestSupport.configuration(server, database: 3), group: group)
            let zero = try RedisTestSupport.client(RedisTestSupport.configuration(server), group: group)
            #expect(try await RedisTestSupport.send(three, RedisCommand("SET", ["where", "three"]), on: loop) == .simpleString("OK"))
            #expect(try await RedisTestSupport.send(zero, RedisCommand("GET", ["where"]), on: loop) == .null)
            #expect(try await RedisTestSupport.send(three, RedisCommand("GET", ["where"]), on: loop).string == "three")
            #expect(
                try await RedisTestSupport.send(three, RedisCommand("CLIENT", ["INFO"]), on: loop).string?.contains("db=3") == true
            )
            await three.shutdown()
            await zero.shutdown()
        }
    }

    /// Redis stops: commands fail quickly (within the command timeout), not after a hang; Redis
    /// comes back on the same port: the same client reconnects by itself.
    @Test func aStoppedServerFailsFastAndTheClientRecovers() async throws {
        try await RedisTestSupport.withServer { server, group in
            let loop = group.next()
            let metrics = GatewayMetrics()
            let logs = LogCapture()
            let client = try RedisTestSupport.client(
                RedisTestSupport.configuration(server, commandTimeout: .milliseconds(300)),
                group: group,
                metrics: metrics,
                logs: logs
            )
            #expect(try await RedisTestSupport.send(client, RedisCommand("PING"), on: loop) == .simpleString("PONG"))
            await server.stop()
            for _ in 0..<5 {
                let (result, elapsed) = try await RedisTestSupport.timedSend(client, RedisCommand("PING"), on: loop)
                guard case .failure(let error) = result else {
                    Issue.record("a stopped server cannot answer")
                    continue
                }
                #expect(["closed", "connect", "unavailable"].contains(error.kind), "\(error)")
                #expect(elapsed < .milliseconds(300), "\(elapsed)")
            }
            let exposition = String(decoding: metrics.exposition(), as: UTF8.self)
            #expect(exposition.contains("gateway_redis_connections_active 0"))
            // Logged per lost connection, not per failed command: once, or twice when the immediate
            // reconnection reached the server's socket while it was being killed.
            let lost = logs.count(.warning, containing: "Redis connection lost")
            #expect(lost == 1 || lost == 2, "\(lost)")

            try await server.restart()
            try await loop.flatSubmit { client.ready(on: loop) }.get()
            #expect(try await RedisTestSupport.send(client, RedisCommand("PING"), on: loop) == .simpleString("PONG"))
            #expect(String(decoding: metrics.exposition(), as: UTF8.self).contains("gateway_redis_connections_active 1"))
            await client.shutdown()
        }
    }

    /// A server that holds the command without answering: it fails at its timeout.
    @Test func aSilentServerTimesOut() async throws {
        try await RedisTestSupport.withServer { server, group in
            let loop = group.next()
            let client = try RedisTestSupport.client(
                RedisTestSupport.configuration(server, commandTimeout: .milliseconds(200)),
                group: group
            )
            #expect(try await RedisTestSupport.send(client, RedisCommand("PING"), on: loop) == .simpleString("PONG"))
            // CLIENT PAUSE holds every client's commands for 30 s (the server is killed at the end).
            let admin = try RedisTestSupport.client(RedisTestSupport.configuration(server), group: group)
            #expect(
                try await RedisTestSupport.send(admin, RedisCommand("CLIENT", ["PAUSE", "30000", "ALL"]), on: loop) == .simpleString("OK")
            )
            let (result, elapsed) = try await RedisTestSupport.timedSend(client, RedisCommand("PING"), on: loop)
            guard case .failure(let error) = result else {
                Issue.record("a stalled server must time out")
                return
            }
            #expect(error.kind == "timeout")
            #expect(elapsed >= .milliseconds(200) && elapsed < .seconds(2), "\(elapsed)")
            await client.shutdown()
            await admin.shutdown()
        }
    }
}
