import Foundation
import NIOCore
import Synchronization
import Testing

/// What a CONTINUATION flood costs a real `gateway run` process in memory (issue 16: "a
/// CONTINUATION flood from 8 connections for 10 s grows RSS by under 16 MiB"): 8 flooding
/// connections at a time, each opened again as soon as the gateway closes it, for
/// `GATEWAY_FLOOD_SECONDS` (default 4; the figure is measured with 10).
@Suite(.timeLimit(.minutes(3))) struct HTTP2FloodMemoryTests {
    static let connections = 8
    static let growthBound = 16 * 1024 * 1024

    static var floodSeconds: Int {
        ProcessInfo.processInfo.environment["GATEWAY_FLOOD_SECONDS"].flatMap(Int.init) ?? 4
    }

    /// The resident set of `pid` in bytes (`VmRSS` of /proc/PID/status).
    static func residentBytes(_ pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])
        else { throw TestError("no VmRSS for \(pid)") }
        return kilobytes * 1024
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/self/status")))
    func aContinuationFloodOnEightConnectionsKeepsMemoryBounded() async throws {
        let fixture = try HTTP2Fixture("h2-flood-rss")
        let upstream = try await TestUpstream.start()
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
        let gateway = try await GatewayProcess.start(rulesPath: rulesPath)
        let pid = gateway.process.processIdentifier
        // Warm up: TLS, HTTP/2 and a proxied request have each run once before the baseline.
        let warm = try await HTTP2TestClient.connect(port: gateway.port, caPEM: fixture.caPEM)
        #expect(try await warm.exchange("GET", "/warm").status == 200)
        await warm.close()
        let before = try Self.residentBytes(pid)

        let totals = FloodTotals()
        let deadline = ContinuousClock.now + .seconds(Self.floodSeconds)
        let caPEM = fixture.caPEM
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<Self.connections {
                group.addTask {
                    while ContinuousClock.now < deadline {
                        let connection = try await RawHTTP2Connection.connect(port: gateway.port, caPEM: caPEM)
                        let streamID = connection.newStreamID()
                        var chunk = ByteBuffer()
                        RawFrame.headers(streamID, try connection.requestBlock("GET", "/x"), endStream: true, endHeaders: false)
                            .write(to: &chunk)
                        let fragment = ByteBuffer(repeating: UInt8(ascii: "a"), count: 100)
                        for _ in 0..<64 { RawFrame.continuation(streamID, fragment, endHeaders: false).write(to: &chunk) }
                        let (written, closedByServer) = await connection.flood(chunk, for: deadline - ContinuousClock.now)
                        _ = await connection.readUntilClosed()
                        totals.counts.withLock {
                            $0.connections += 1
                            $0.goAways += connection.tally.frames(.goAway)
                            $0.bytes += written
                            if closedByServer {
                                $0.closedByServer += 1
                                if connection.tally.frames(.goAway) != 1 { $0.notOneGoAway += 1 }
                            }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let after = try Self.residentBytes(pid)
        let figures = totals.counts.withLock { $0 }
        let growth = after - before
        print(
            "continuation flood, \(Self.connections) connections for \(Self.floodSeconds) s: \(figures.connections) connections "
                + "(\(figures.closedByServer) closed by the gateway), \(figures.goAways) GOAWAY, \(figures.bytes) bytes written; RSS \(before / 1024) KiB -> \(after / 1024) KiB "
                + "(growth \(growth / 1024) KiB)"
        )
        // Every flooding connection the gateway ended got one GOAWAY (only those the deadline
        // cut, at most one per flooding task, were closed by the client).
        #expect(figures.closedByServer >= figures.connections - Self.connections)
        #expect(figures.closedByServer > 0)
        #expect(figures.notOneGoAway == 0)
        #expect(growth < Self.growthBound, "RSS grew by \(growth / 1024) KiB")
        // The gateway still serves.
        let client = try await HTTP2TestClient.connect(port: gateway.port, caPEM: fixture.caPEM)
        #expect(try await client.exchange("GET", "/after").status == 200)
        await client.close()
        #expect(await gateway.terminate() == 0)
        await upstream.stop()
    }
}

/// What the flooding connections saw, added up across tasks.
private final class FloodTotals: Sendable {
    struct Counts {
        var connections = 0
        var closedByServer = 0
        var goAways = 0
        var notOneGoAway = 0
        var bytes = 0
    }

    let counts = Mutex(Counts())
}
