import Foundation
import NIOCore
import NIOPosix
import Testing

/// `gateway run` start-up and shutdown as an operator sees them (SPEC §9 "Start-up"): a listener
/// that cannot bind is an error naming its address and cause, and the process exits 1 at once;
/// SIGTERM and SIGINT stop it at any moment, start-up included; start-up and shutdown are logged.
@Suite(.timeLimit(.minutes(3))) struct StartupProcessTests {
    /// A rules file: the proxy on `listen`, the admin listener on `admin` (none when nil).
    static func rules(listen: String, admin: String?, upstreamPort: Int = 9, extra: String = "") -> String {
        """
        \(extra)
        [server]
        listen = "\(listen)"

        \(admin.map { "[admin]\nlisten = \"\($0)\"\n" } ?? "")
        [audit]
        sink = "audit.jsonl"

        [[upstreams]]
        name = "app"
        targets = ["127.0.0.1:\(upstreamPort)"]

        [[routes]]
        name = "app"
        path_prefix = "/"
        upstream = "app"
        public = true
        """
    }

    /// Writes `text` as `gateway.conf` in a fresh folder; returns the file's path.
    static func write(_ text: String, prefix: String) throws -> (directory: URL, path: String) {
        let directory = try makeTemporaryDirectory(prefix)
        let path = directory.appendingPathComponent("gateway.conf").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return (directory, path)
    }

    @Test(arguments: [true, false])
    func proxyPortInUseExitsAtOnceNamingTheAddress(withAdmin: Bool) async throws {
        let taken = try await TestUpstream.start()
        let (directory, path) = try Self.write(
            Self.rules(listen: "127.0.0.1:\(taken.port)", admin: withAdmin ? "127.0.0.1:0" : nil),
            prefix: "startup"
        )
        defer { try? FileManager.default.removeItem(at: directory) }
        let gateway = try await ChildProcess.launch(["run", "-c", path])
        let status = await gateway.waitForExit(within: .seconds(20))
        #expect(status == 1, "\(gateway.stderr)")
        #expect(gateway.stderr.contains("cannot listen on 127.0.0.1:\(taken.port) (proxy): address already in use"))
        #expect(gateway.stderr.contains("status=1"))
        #expect(!gateway.stderr.contains("] ready"))
        await taken.stop()
    }

    @Test func adminPortInUseExitsAtOnceNamingTheAddress() async throws {
        let taken = try await TestUpstream.start()
        let (directory, path) = try Self.write(
            Self.rules(listen: "127.0.0.1:0", admin: "127.0.0.1:\(taken.port)"),
            prefix: "startup"
        )
        defer { try? FileManager.default.removeItem(at: directory) }
        let gateway = try await ChildProcess.launch(["run", "-c", path])
        let status = await gateway.waitForExit(within: .seconds(20))
        #expect(status == 1, "\(gateway.stderr)")
        #expect(gateway.stderr.contains("cannot listen on 127.0.0.1:\(taken.port) (admin): address already in use"))
        // The proxy bound before the admin listener failed; it must not be reported as serving.
        #expect(!gateway.stderr.contains("] ready"))
        await taken.stop()
    }

    /// A JWK Set URL whose server accepts and never answers holds start-up for the fetch's
    /// 10-second timeout: the signal must end the process long before.
    @Test(arguments: [SIGTERM, SIGINT])
    func signalDuringStartUpStopsAtOnce(signal: Int32) async throws {
        let silent = try await SilentListener.start()
        let (directory, path) = try Self.write(
            Self.rules(
                listen: "127.0.0.1:0",
                admin: "127.0.0.1:0",
                extra: "[[jwks]]\nurl = \"https://127.0.0.1:\(silent.port)/jwks.json\"\n"
            ),
            prefix: "startup"
        )
        defer { try? FileManager.default.removeItem(at: directory) }
        let gateway = try await ChildProcess.launch(["run", "-c", path])
        try await silent.waitForConnection()
        gateway.signal(signal)
        let status = await gateway.waitForExit(within: .seconds(5))
        #expect(status == 0, "\(gateway.stderr)")
        let name = signal == SIGTERM ? "SIGTERM" : "SIGINT"
        #expect(gateway.stderr.contains("signal=\(name) [GatewayApp] signal received during start-up; stopping"))
        #expect(gateway.stderr.contains("status=0 [GatewayApp] exiting"))
        #expect(!gateway.stderr.contains("] listening"))
        await silent.stop()
    }

    @Test func startUpAndShutdownAreLoggedWithTheRequestsDrained() async throws {
        let upstream = try await TestUpstream.start()
        let (directory, path) = try Self.write(
            Self.rules(listen: "127.0.0.1:0", admin: "127.0.0.1:0", upstreamPort: upstream.port),
            prefix: "startup"
        )
        defer { try? FileManager.default.removeItem(at: directory) }
        let gateway = try await GatewayProcess.start(rulesPath: path)
        let adminPort = try await gateway.adminPort()
        #expect(await gateway.waitForLog("] ready") != nil)
        let log = gateway.stderr
        #expect(log.contains("[GatewayApp] starting"))
        #expect(log.contains("api_keys=0 keys=0 path=\(path) routes=1 signing_keys=0 upstreams=1 [GatewayApp] rules loaded"))
        #expect(log.contains("address=127.0.0.1:\(gateway.port) [GatewayProxy] listening"))
        #expect(log.contains("address=127.0.0.1:\(adminPort) [GatewayAdmin] admin listening"))

        let client = try await RawConnection.connect(port: gateway.port)
        try await client.send("GET /gate/held HTTP/1.1\r\nHost: a\r\n\r\n")
        await upstream.waitForGate("held")
        gateway.signal(SIGTERM)
        let draining = try #require(await gateway.waitForLog("[GatewayProxy] draining"))
        #expect(draining.contains("in_flight=1"))
        upstream.open("held")
        let response = try #require(try await client.readResponse())
        #expect(response.status == 200)
        #expect(await gateway.waitForExit() == 0)
        let shutdown = gateway.stderr
        #expect(shutdown.contains("signal=SIGTERM [GatewayApp] signal received; draining"))
        #expect(shutdown.contains("aborted=0"))
        #expect(shutdown.contains("finished=1 in_flight=1 [GatewayProxy] drained"))
        #expect(shutdown.contains("records=1 [GatewayApp] audit log flushed"))
        #expect(shutdown.contains("status=0 [GatewayApp] exiting"))
        await upstream.stop()
    }

    /// A second signal during the drain aborts what still runs instead of waiting for
    /// `shutdown_grace` (15 s by default); the audit log is still flushed and the exit is 0.
    @Test func secondSignalEndsTheDrainAtOnce() async throws {
        let upstream = try await TestUpstream.start()
        let (directory, path) = try Self.write(
            Self.rules(listen: "127.0.0.1:0", admin: nil, upstreamPort: upstream.port),
            prefix: "startup"
        )
        defer { try? FileManager.default.removeItem(at: directory) }
        let gateway = try await GatewayProcess.start(rulesPath: path)
        let client = try await RawConnection.connect(port: gateway.port)
        try await client.send("GET /gate/never HTTP/1.1\r\nHost: a\r\n\r\n")
        await upstream.waitForGate("never")
        gateway.signal(SIGTERM)
        #expect(await gateway.waitForLog("[GatewayProxy] draining") != nil)
        gateway.signal(SIGINT)
        let response = try #require(try await client.readResponse())
        #expect(response.status == 503)
        #expect(response.bodyText.contains("shutting_down"))
        #expect(await gateway.waitForExit() == 0)
        #expect(gateway.stderr.contains("signal=SIGINT [GatewayApp] signal received again; aborting the requests still running"))
        #expect(gateway.stderr.contains("aborted=1"))
        let audit = try String(contentsOf: directory.appendingPathComponent("audit.jsonl"), encoding: .utf8)
        #expect(audit.contains(#""reason":"shutting_down""#))
        await upstream.stop()
    }
}

/// A TCP listener that accepts and never says anything: a TLS client waits for its handshake.
final class SilentListener: Sendable {
    private let channel: any Channel
    private let accepted: EventLoopPromise<Void>

    var port: Int { self.channel.localAddress!.port! }

    private init(channel: any Channel, accepted: EventLoopPromise<Void>) {
        self.channel = channel
        self.accepted = accepted
    }

    static func start() async throws -> SilentListener {
        let group = MultiThreadedEventLoopGroup.singleton
        let accepted = group.next().makePromise(of: Void.self)
        let channel = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                accepted.succeed()
                return channel.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return SilentListener(channel: channel, accepted: accepted)
    }

    /// Returns once a client connected.
    func waitForConnection() async throws {
        try await self.accepted.futureResult.get()
    }

    func stop() async {
        self.accepted.fail(ChannelError.ioOnClosedChannel)
        try? await self.channel.close()
    }
}

/// `ChildProcess.waitForExit(within:)` ends a child that outlives the limit, and returns.
@Suite struct ChildProcessTimeoutTests {
    @Test func aChildStillRunningAtTheLimitIsKilledAndNilReturned() async throws {
        let sleeper = try await ChildProcess.launch(["30"], executable: URL(fileURLWithPath: "/bin/sleep"))
        #expect(await sleeper.waitForExit(within: .milliseconds(200)) == nil)
        #expect(await sleeper.waitForExit(within: .seconds(30)) == 128 + SIGKILL)
    }
}
