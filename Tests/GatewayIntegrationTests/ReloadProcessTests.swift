import Foundation
import Synchronization
import Testing

/// SIGHUP reloads of a real `gateway run` process under load (SPEC §7): no request fails, no
/// connection closes, in-flight requests finish under the old rules, and invalid rules keep the
/// running ones.
@Suite(.timeLimit(.minutes(3))) struct ReloadProcessTests {
    /// Rules with `/a` always, and either `/gate` (`withGate`) or `/b`.
    static func rules(upstreamPort: Int, withGate: Bool, invalid: Bool = false) -> String {
        let extraRoute = withGate ? ("held", "/gate") : ("b", "/b")
        return """
            [server]
            listen = "127.0.0.1:0"
            threads = 2
            \(invalid ? "shutdown_graze = \"5s\"\n" : "")
            [admin]
            listen = "127.0.0.1:0"

            [audit]
            sink = "off"

            [[upstreams]]
            name = "up"
            targets = ["127.0.0.1:\(upstreamPort)"]

            [[routes]]
            name = "a"
            path_prefix = "/a"
            upstream = "up"
            public = true

            [[routes]]
            name = "\(extraRoute.0)"
            path_prefix = "\(extraRoute.1)"
            upstream = "up"
            public = true
            """
    }

    @Test func reloadsUnderLoadFailNoRequestAndInvalidRulesKeepServing() async throws {
        let upstream = try await TestUpstream.start()
        let directory = try makeTemporaryDirectory("reload")
        defer { try? FileManager.default.removeItem(at: directory) }
        let rulesPath = directory.appendingPathComponent("gateway.conf").path
        func write(withGate: Bool, invalid: Bool = false) throws {
            try Self.rules(upstreamPort: upstream.port, withGate: withGate, invalid: invalid)
                .write(toFile: rulesPath, atomically: true, encoding: .utf8)
        }
        try write(withGate: true)
        let gateway = try await GatewayProcess.start(rulesPath: rulesPath)
        let adminPort = try await gateway.adminPort()

        // Keep-alive clients send requests back to back for the whole test: each connection
        // must stay open and every answer must be a 200.
        let stop = StopFlag()
        let loadClients = 6
        let load = Task {
            try await withThrowingTaskGroup(of: (ok: Int, failed: [String]).self) { group in
                for client in 0..<loadClients {
                    group.addTask {
                        let connection = try await RawConnection.connect(port: gateway.port)
                        var ok = 0
                        var failed: [String] = []
                        var index = 0
                        while !stop.isSet {
                            index += 1
                            try await connection.send("GET /a/\(client)/\(index) HTTP/1.1\r\nHost: a\r\n\r\n")
                            guard let response = try await connection.readResponse() else {
                                failed.append("client \(client): connection closed after \(ok) answers")
                                break
                            }
                            if response.status == 200 { ok += 1 } else { failed.append("client \(client): \(response.status)") }
                        }
                        await connection.close()
                        return (ok, failed)
                    }
                }
                return try await group.reduce(into: (ok: 0, failed: [String]())) { $0.ok += $1.ok; $0.failed += $1.failed }
            }
        }

        // A request held at the upstream while a reload removes its route still finishes.
        let held = try await RawConnection.connect(port: gateway.port)
        try await held.send("GET /gate/inflight HTTP/1.1\r\nHost: a\r\n\r\n")
        await upstream.waitForGate("inflight")
        try write(withGate: false)
        gateway.signal(SIGHUP)
        #expect(await gateway.waitForLog("rules reloaded", count: 1))
        upstream.open("inflight")
        let heldResponse = try await held.readResponse()
        #expect(heldResponse?.status == 200)
        #expect(heldResponse?.bodyText == "gate opened")
        // The same connection now sees the new rules.
        try await held.send("GET /gate/after HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try await held.readResponse()?.status == 404)
        await held.close()

        // Several more reloads, each checked on a fresh connection.
        var reloads = 1
        for round in 0..<6 {
            let withGate = round % 2 == 0
            try write(withGate: withGate)
            gateway.signal(SIGHUP)
            reloads += 1
            #expect(await gateway.waitForLog("rules reloaded", count: reloads))
            #expect(try await Self.status(port: gateway.port, path: "/b/x") == (withGate ? 404 : 200))
        }

        // Rules with a typo: refused, each problem logged, the last good rules (with `/b`, the
        // last round's) stay in force.
        try write(withGate: true, invalid: true)
        gateway.signal(SIGHUP)
        #expect(await gateway.waitForLog("reload failed", count: 1))
        #expect(gateway.stderr.contains("shutdown_graze"))
        #expect(try await Self.status(port: gateway.port, path: "/gate/x") == 404)
        #expect(try await Self.status(port: gateway.port, path: "/b/x") == 200)

        stop.set()
        let outcome = try await load.value
        #expect(outcome.failed.isEmpty, "\(outcome.failed.prefix(5))")
        #expect(outcome.ok >= loadClients)

        let metrics = try await Self.get(port: adminPort, path: "/metrics")
        #expect(metrics.contains("gateway_config_reloads_total{result=\"success\"} \(reloads)"), "\(metrics)")
        #expect(metrics.contains("gateway_config_reloads_total{result=\"error\"} 1"))
        #expect(await gateway.terminate() == 0)
        await upstream.stop()
    }

    static func status(port: Int, path: String) async throws -> Int? {
        let connection = try await RawConnection.connect(port: port)
        try await connection.send("GET \(path) HTTP/1.1\r\nHost: a\r\n\r\n")
        let status = try await connection.readResponse()?.status
        await connection.close()
        return status
    }

    static func get(port: Int, path: String) async throws -> String {
        let connection = try await RawConnection.connect(port: port)
        try await connection.send("GET \(path) HTTP/1.1\r\nHost: a\r\n\r\n")
        let text = try await connection.readResponse()?.bodyText ?? ""
        await connection.close()
        return text
    }
}

/// Tells load loops running in other tasks to finish.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { self.flag.load(ordering: .relaxed) }
    func set() { self.flag.store(true, ordering: .relaxed) }
}
