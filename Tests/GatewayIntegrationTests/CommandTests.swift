import Foundation
@testable import GatewayApp
import GatewayRules
import Testing

/// The CLI commands' logic: `check` on the shipped example, the demo's embedded rules.
@Suite(.timeLimit(.minutes(3))) struct CommandTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func shippedExampleChecksClean() {
        let path = Self.repositoryRoot.appendingPathComponent("gateway.conf.example").path
        let (lines, status) = RulesCheck.run(path: path)
        #expect(status == 0, "\(lines)")
        #expect(lines.last == "ok: 3 routes, 2 keys, 1 api keys, 1 signing keys")
    }

    @Test func checkReportsEachProblemWithItsPosition() throws {
        let directory = try makeTemporaryDirectory("check")
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

    @Test func aRedisStoreAndRateLimitsCheckCleanAndThePasswordIsNeverPrinted() throws {
        let directory = try makeTemporaryDirectory("check")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("gateway.conf").path
        try """
            [replay]
            store = "redis://:hunter2@cache:6379"

            [[upstreams]]
            name = "orders"
            targets = ["127.0.0.1:9000"]

            [[routes]]
            name = "r"
            path_prefix = "/r"
            upstream = "orders"
            rate_limit = "10/s"
            burst = 20
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let (lines, status) = RulesCheck.run(path: path)
        #expect(status == 0, "\(lines)")
        #expect(!lines.contains { $0.contains("warning") })
        #expect(!lines.joined().contains("hunter2"))
    }

    @Test func demoRulesLoadAndItsCredentialsPass() throws {
        let directory = try makeTemporaryDirectory("demo")
        defer { try? FileManager.default.removeItem(at: directory) }
        let demo = try DemoRunner.configuration(listenPort: 8080, upstreamPort: 9999, directory: directory)
        let rulesPath = directory.appendingPathComponent("demo.conf").path
        try demo.rules.write(toFile: rulesPath, atomically: true, encoding: .utf8)
        let checked = RulesCheck.run(path: rulesPath)
        #expect(checked.status == 0, "\(checked.lines)")
        // A secret of raw random bytes ended in a newline one run in 256, which `secret_file`
        // drops: the demo's secret is base64url text, whole as written.
        let secret = try [UInt8](Data(contentsOf: URL(fileURLWithPath: demo.secretFile)))
        #expect(secret.count == 43)
        #expect(secret.allSatisfy { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || ($0 < 0x80 && Character(UnicodeScalar($0)).isLetter) || ($0 >= 0x30 && $0 <= 0x39) })
        let explain = { (path: String, header: String) in
            ExplainCommand.run(rulesPath: rulesPath, method: "GET", url: "http://127.0.0.1:8080\(path)", headers: [header])
                .lines.first { $0.hasPrefix("decision:") } ?? ""
        }
        #expect(explain("/orders/42", "X-API-Key: \(demo.apiKey.key)").hasPrefix("decision: allow"))
        #expect(explain("/orders/42", "Authorization: Bearer \(demo.token)").hasPrefix("decision: allow"))
        #expect(explain("/admin/stats", "Authorization: Bearer \(demo.token)").hasPrefix("decision: deny 403 insufficient_scope"))
        #expect(demo.banner.contains(demo.apiKey.key))
    }
}
