import Foundation
@testable import GatewayApp
@testable import GatewayProxy
import GatewayRules
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// Upstream host names are looked up when connecting, not at start-up, and again after a failed
/// connect (SPEC §9 "Upstream names"); `gateway check` only warns about a name it cannot resolve.
@Suite(.timeLimit(.minutes(3))) struct UpstreamNameTests {
    /// `.invalid` never resolves (RFC 6761 §6.4).
    static let ghost = "no-such-host.invalid"

    static func rules(upstreamPort: Int) -> String {
        """
        [server]
        listen = "127.0.0.1:0"

        [audit]
        sink = "audit.jsonl"

        [[upstreams]]
        name = "ghost"
        targets = ["\(Self.ghost):80"]

        [[upstreams]]
        name = "real"
        targets = ["localhost:\(upstreamPort)"]

        [[routes]]
        name = "ghost"
        path_prefix = "/ghost"
        upstream = "ghost"
        public = true

        [[routes]]
        name = "real"
        path_prefix = "/real"
        upstream = "real"
        public = true
        """
    }

    /// Writes `text` as `gateway.conf` in a fresh folder; returns the folder and the file's path.
    static func write(_ text: String) throws -> (directory: URL, path: String) {
        let directory = try makeTemporaryDirectory("names")
        let path = directory.appendingPathComponent("gateway.conf").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return (directory, path)
    }

    @Test func aNameThatDoesNotResolveStartsAndAnswers502OnItsRouteOnly() async throws {
        let upstream = try await TestUpstream.start()
        let (directory, path) = try Self.write(Self.rules(upstreamPort: upstream.port))
        defer { try? FileManager.default.removeItem(at: directory) }
        let gateway = try await GatewayProcess.start(rulesPath: path)
        let client = try await RawConnection.connect(port: gateway.port)

        // `localhost` is a name too: looked up when connecting, it reaches the upstream.
        try await client.send("GET /real/1 HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try await client.readResponse()?.status == 200)
        try await client.send("GET /ghost/1 HTTP/1.1\r\nHost: a\r\n\r\n")
        let refused = try #require(try await client.readResponse())
        #expect(refused.status == 502)
        #expect(refused.bodyText.contains(#""error":"upstream_unavailable""#))
        try await client.send("GET /real/2 HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try await client.readResponse()?.status == 200)

        let line = try #require(await gateway.waitForLog("upstream target unreachable; it cools down"))
        #expect(line.contains("upstream=ghost"))
        #expect(line.contains("target=\(Self.ghost):80"))
        #expect(line.contains("cannot resolve \(Self.ghost)"))
        #expect(await gateway.terminate() == 0)
        await upstream.stop()
    }

    @Test func checkWarnsAboutANameItCannotResolveAndStillSaysOK() throws {
        let (directory, path) = try Self.write(Self.rules(upstreamPort: 9000))
        defer { try? FileManager.default.removeItem(at: directory) }
        let (lines, status) = RulesCheck.run(path: path)
        #expect(status == 0)
        #expect(lines.count == 2, "\(lines)")
        #expect(lines.first?.hasPrefix("\(path):9:11: warning: upstreams[1](ghost).targets: cannot resolve \(Self.ghost)") == true)
        #expect(lines.last == "ok: 2 routes, 0 keys, 0 api keys, 0 signing keys")
    }

    /// The lookup is cached, shared, and done again after a failure or `forget()`.
    @Test func lookupsAreRememberedUntilAConnectionFails() async throws {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let calls = Mutex(0)
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: 8080)
        let resolver = TargetResolver(host: "orders.internal", port: 8080, threadPool: pool) { _, _ in
            let call = calls.withLock { count in
                count += 1
                return count
            }
            if call == 1 { throw NameResolutionError(host: "orders.internal", reason: "not yet") }
            return [address]
        }
        let deadline = { NIODeadline.now() + .seconds(10) }

        await #expect(throws: NameResolutionError.self) { try await resolver.addresses(on: loop, by: deadline()).get() }
        // A failed lookup is not remembered: the next connection asks again.
        #expect(try await resolver.addresses(on: loop, by: deadline()).get() == [address])
        #expect(try await resolver.addresses(on: loop, by: deadline()).get() == [address])
        #expect(calls.withLock { $0 } == 2)
        resolver.forget()
        #expect(try await resolver.addresses(on: loop, by: deadline()).get() == [address])
        #expect(calls.withLock { $0 } == 3)

        let literal = TargetResolver(host: "127.0.0.1", port: 8080, threadPool: pool) { _, _ in
            Issue.record("an IP address is never looked up")
            return []
        }
        #expect(try await literal.addresses(on: loop, by: deadline()).get() == [address])
        try await pool.shutdownGracefully()
    }

    /// A lookup that has not answered by the connect deadline fails the connection; its late
    /// answer serves the next one.
    @Test func aSlowLookupFailsAtTheDeadlineAndItsAnswerServesTheNextConnection() async throws {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let release = DispatchSemaphore(value: 0)
        let calls = Mutex(0)
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: 8080)
        let resolver = TargetResolver(host: "slow.internal", port: 8080, threadPool: pool) { _, _ in
            calls.withLock { $0 += 1 }
            release.wait()
            return [address]
        }
        let error = await #expect(throws: NameResolutionError.self) {
            try await resolver.addresses(on: loop, by: .now() + .milliseconds(50)).get()
        }
        #expect(error?.description == "cannot resolve slow.internal: no answer within connect_timeout")
        release.signal()
        #expect(try await resolver.addresses(on: loop, by: .now() + .seconds(10)).get() == [address])
        #expect(calls.withLock { $0 } == 1)
        try await pool.shutdownGracefully()
    }
}
