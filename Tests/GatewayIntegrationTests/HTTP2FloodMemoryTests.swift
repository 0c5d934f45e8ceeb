import Foundation
@testable import GatewayProxy
import NIOCore
import Synchronization
import Testing

/// What HTTP/2 floods cost a real `gateway run` process (issue 16: "a CONTINUATION flood from 8
/// connections for 10 s grows RSS by under 16 MiB; a rapid-reset client gets exactly one
/// GOAWAY"), and what one well-behaved but slow connection can make it hold. The figures these
/// tests print are the ones docs/operations.md "HTTP/2 limits" gives.
@Suite(.serialized, .timeLimit(.minutes(3))) struct HTTP2FloodMemoryTests {
    static let connections = 8
    static let growthBound = 16 * 1024 * 1024

    /// How long the flood lasts: 10 s, the figure (`GATEWAY_FLOOD_SECONDS` overrides).
    static var floodSeconds: Int {
        ProcessInfo.processInfo.environment["GATEWAY_FLOOD_SECONDS"].flatMap(Int.init) ?? 10
    }

    /// The resident set of `pid` in bytes (`VmRSS` of /proc/PID/status).
    static func residentBytes(_ pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])
        else { throw TestError("no VmRSS for \(pid)") }
        return kilobytes * 1024
    }

    /// `gateway run` with TLS before `upstream`, every path public.
    static func startGateway(_ fixture: HTTP2Fixture, upstream: TestUpstream) async throws -> GatewayProcess {
        let tls = try fixture.tls()
        let rulesPath = try fixture.write(
            "gateway.conf",
            """
            [server]
            listen = "127.0.0.1:0"
            threads = 2
            tls = { cert_file = "\(tls.certFile)", key_file = "\(tls.keyFile)" }

            [[upstreams]]
            name = "up"
            targets = ["127.0.0.1:\(upstream.port)"]

            [[routes]]
            name = "open"
            path_prefix = "/"
            upstream = "up"
            public = true
            """
        )
        return try await GatewayProcess.start(rulesPath: rulesPath)
    }

    /// One CONTINUATION-flooding connection: HEADERS without END_HEADERS, then CONTINUATION
    /// frames without it, 64 to a write, until the gateway closes the connection or `deadline`
    /// passes (then the client closes it).
    static func floodOnce(
        port: Int,
        caPEM: String,
        until deadline: ContinuousClock.Instant
    ) async throws -> FloodOutcome {
        let connection = try await RawHTTP2Connection.connect(port: port, caPEM: caPEM)
        // The client's SETTINGS ACK goes out before the header block begins: no other frame may
        // come between a HEADERS frame and its CONTINUATION frames (RFC 9113 §6.10).
        guard await connection.waitForServerSettings() != nil else { throw TestError("no SETTINGS from the gateway") }
        let streamID = connection.newStreamID()
        let block = try connection.requestBlock("GET", "/x")
        try await connection.send(.headers(streamID, block, endStream: true, endHeaders: false))
        var chunk = ByteBuffer()
        let fragment = ByteBuffer(repeating: UInt8(ascii: "a"), count: 100)
        for _ in 0..<64 { RawFrame.continuation(streamID, fragment, endHeaders: false).write(to: &chunk) }
        let (written, closedByServer) = await connection.flood(chunk, for: deadline - ContinuousClock.now)
        let frames = await connection.readUntilClosed()
        return FloodOutcome(
            continuationFrames: written / (9 + fragment.readableBytes),
            closedByServer: closedByServer,
            goAways: frames.filter { $0.kind == .goAway }
        )
    }

    /// CVE-2023-44487: HEADERS then RST_STREAM at once, stream after stream, 50 to a write,
    /// until the gateway closes the connection (at most 100,000 streams).
    static func rapidReset(port: Int, caPEM: String) async throws -> (streams: Int, goAways: [RawFrame]) {
        let connection = try await RawHTTP2Connection.connect(port: port, caPEM: caPEM)
        let opened = try await connection.rapidReset()
        // The gateway never stopped it: close, and the GOAWAY count says so.
        if connection.channel.isActive { await connection.close() }
        let frames = await connection.readUntilClosed()
        return (opened, frames.filter { $0.kind == .goAway })
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/self/status")))
    func aContinuationFloodOnEightConnectionsKeepsMemoryBoundedAndARapidResetGetsOneGoAway() async throws {
        let fixture = try HTTP2Fixture("h2-flood-rss")
        let upstream = try await TestUpstream.start()
        let gateway = try await Self.startGateway(fixture, upstream: upstream)
        let pid = gateway.processIdentifier
        let port = gateway.port
        let caPEM = fixture.caPEM
        // Warm up before the baseline: a proxied request, then one flooding connection on each
        // of the 8 tasks at once (TLS, HTTP/2, both event loops and the allocator's arenas have
        // each run): what is measured is growth under a sustained flood, not first use.
        let warm = try await HTTP2TestClient.connect(port: port, caPEM: caPEM)
        #expect(try await warm.exchange("GET", "/warm").status == 200)
        await warm.close()
        let warmUps = try await withThrowingTaskGroup(of: FloodOutcome.self) { group in
            for _ in 0..<Self.connections {
                group.addTask { try await Self.floodOnce(port: port, caPEM: caPEM, until: .now + .seconds(30)) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(warmUps.allSatisfy { $0.closedByServer && $0.goAways.count == 1 })
        let before = try Self.residentBytes(pid)

        let totals = FloodTotals()
        let deadline = ContinuousClock.now + .seconds(Self.floodSeconds)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<Self.connections {
                group.addTask {
                    // `repeat`, and at least 2 s a flood: a task the loaded machine starts after
                    // the deadline (CI ran one with the whole suite in parallel: no task flooded
                    // at all) still floods, so every run measures a flood.
                    repeat {
                        let until = max(deadline, ContinuousClock.now + .seconds(2))
                        let outcome = try await Self.floodOnce(port: port, caPEM: caPEM, until: until)
                        totals.add(outcome)
                    } while ContinuousClock.now < deadline
                }
            }
            try await group.waitForAll()
        }
        let after = try Self.residentBytes(pid)
        // Then a rapid-reset client, measured apart: each stream it opens may start an exchange
        // and so an upstream connection, which the pool keeps (up to 1,024 idle a thread).
        let (resetStreams, resetGoAways) = try await Self.rapidReset(port: port, caPEM: caPEM)
        let afterReset = try Self.residentBytes(pid)
        let figures = totals.counts.withLock { $0 }
        let growth = after - before
        print(
            "continuation flood, \(Self.connections) connections for \(Self.floodSeconds) s: \(figures.connections) connections "
                + "(\(figures.closedByServer) closed by the gateway), \(figures.goAways) GOAWAY, "
                + "\(figures.continuationFrames) CONTINUATION frames written; "
                + "RSS \(before / 1024) KiB -> \(after / 1024) KiB (growth \(growth / 1024) KiB); "
                + "rapid reset: \(resetStreams) streams written, \(resetGoAways.count) GOAWAY, "
                + "\(upstream.connectionsAccepted.value) upstream connections in all, "
                + "RSS +\((afterReset - after) / 1024) KiB"
        )
        // Every flooding connection the gateway ended got exactly one GOAWAY, ENHANCE_YOUR_CALM
        // (only those the deadline cut, at most one per task, were closed by the client).
        #expect(figures.closedByServer >= figures.connections - Self.connections)
        #expect(figures.closedByServer >= Self.connections)
        #expect(figures.notOneGoAway == 0)
        #expect(figures.notEnhanceYourCalm == 0)
        #expect(growth < Self.growthBound, "RSS grew by \(growth / 1024) KiB")
        // The rapid-reset client: one GOAWAY, ENHANCE_YOUR_CALM, at the reset limit.
        #expect(resetGoAways.count == 1)
        #expect(resetGoAways.first?.errorCode == .enhanceYourCalm)
        #expect(resetStreams < 100_000)
        // The gateway still serves.
        let client = try await HTTP2TestClient.connect(port: port, caPEM: caPEM)
        #expect(try await client.exchange("GET", "/after").status == 200)
        await client.close()
        #expect(await gateway.terminate() == 0)
        await upstream.stop()
    }

    /// What one connection can make the gateway hold on the response side: 128 streams (the
    /// most it allows) each downloading from an upstream faster than the client, whose reader
    /// has stopped. A stream holds what it could not write yet (`outboundHighWater`) and at
    /// most one read cycle from its upstream (4 reads of up to 64 KiB), then its upstream's
    /// reads are held: under 512 KiB a stream, 64 MiB for the connection.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/self/status")))
    func oneConnectionOf128StalledDownloadsHoldsBoundedMemory() async throws {
        let fixture = try HTTP2Fixture("h2-held-rss")
        let upstream = try await TestUpstream.start()
        let gateway = try await Self.startGateway(fixture, upstream: upstream)
        let pid = gateway.processIdentifier
        let client = try await HTTP2TestClient.connect(port: gateway.port, caPEM: fixture.caPEM)
        #expect(try await client.exchange("GET", "/warm").status == 200)
        let before = try Self.residentBytes(pid)
        let size = 64 * 1024 * 1024
        for index in 0..<128 {
            let stream = try await client.openStream()
            try await stream.pauseReading()
            let fields = HTTP2TestStream.requestFields("GET", "/download/\(size)?n=\(index)", [])
            try await stream.sendHeaders(fields, endStream: true)
        }
        // Every upstream has stopped writing: the gateway holds what it will hold.
        await upstream.downloads.waitUntilStalled(128)
        let held = try Self.residentBytes(pid) - before
        print(
            "one connection, 128 stalled downloads: RSS grew by \(held / 1024) KiB (\(held / 128 / 1024) KiB a stream)"
        )
        // A stream: `outboundHighWater`, one upstream read cycle, and 128 KiB for the exchange's
        // own state and the allocator's overhead.
        let bound = 128 * (HTTP2ConnectionHandler.outboundHighWater + 4 * 64 * 1024 + 128 * 1024)
        #expect(held < bound, "\(held / 1024) KiB held")
        await client.close()
        #expect(await gateway.terminate() == 0)
        await upstream.stop()
    }
}

/// What one flooding connection saw.
struct FloodOutcome: Sendable {
    var continuationFrames: Int
    var closedByServer: Bool
    var goAways: [RawFrame]
}

/// What the flooding connections saw, added up across tasks.
private final class FloodTotals: Sendable {
    struct Counts {
        var connections = 0
        var closedByServer = 0
        var goAways = 0
        var notOneGoAway = 0
        var notEnhanceYourCalm = 0
        var continuationFrames = 0
    }

    let counts = Mutex(Counts())

    func add(_ outcome: FloodOutcome) {
        self.counts.withLock {
            $0.connections += 1
            $0.goAways += outcome.goAways.count
            $0.continuationFrames += outcome.continuationFrames
            guard outcome.closedByServer else { return }
            $0.closedByServer += 1
            if outcome.goAways.count != 1 { $0.notOneGoAway += 1 }
            if outcome.goAways.contains(where: { $0.errorCode != .enhanceYourCalm }) { $0.notEnhanceYourCalm += 1 }
        }
    }
}
