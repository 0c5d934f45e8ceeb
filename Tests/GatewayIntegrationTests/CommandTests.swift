import Foundation
@testable import GatewayApp
import GatewayRules
import Testing

/// The CLI commands' logic: `check` on the shipped example, the demo's embedded rules.
@Suite struct CommandTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func shippedExampleChecksClean() {
        let path = Self.repositoryRoot.appendingPathComponent("gateway.conf.example").path
        let (lines, status) = RulesCheck.run(path: path)
        #expect(status == 0, "\(lines)")
        #expect(lines.last == "ok: 3 routes, 2 keys, 1 api keys, 1 signing keys")
    }

    @Test func checkReportsEachProblemWithItsPosition() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("gateway.conf").path
        try """
        [server]
        listen = "127.0.0.1:8080"
        idle_timeout = "ten seconds"

        [[upstreams]]
        name = "orders"
        targets = ["127.0.0.1:9000"]

        [[routes]]
        name = "r"
        path_prefix = "/r"
        upstream = "missing"
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let (lines, status) = RulesCheck.run(path: path)
        #expect(status == 1)
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix("\(path):3:16: error: server.idle_timeout:"))
        #expect(lines[1].hasPrefix("\(path):12:12: error: routes[1](r).upstream: no upstream named \"missing\""))
    }

    @Test func demoRulesLoad() throws {
        let loaded = try RulesLoader(environment: [:]).load(
            text: DemoConfiguration.rules(listenPort: 8080, upstreamPort: 9999),
            path: "demo.conf"
        )
        #expect(loaded.rules.routes.map(\.name).contains("public-hello"))
        #expect(loaded.rules.upstreams.first?.targets.first?.port == 9999)
    }
}
