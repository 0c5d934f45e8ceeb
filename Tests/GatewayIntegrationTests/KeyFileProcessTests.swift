import Foundation
import Testing

/// `gateway key new --key-file FILE`: the key goes into a new owner-only file and only the
/// TOML block is printed, so `>> gateway.conf` appends a block the rules accept.
@Suite(.timeLimit(.minutes(3))) struct KeyFileProcessTests {
    @Test func theKeyGoesToANewFileAndTheBlockAppendsToTheRules() async throws {
        let directory = try makeTemporaryDirectory("keyfile")
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyPath = directory.appendingPathComponent("client.key").path
        let issue = try await ChildProcess.launch(["key", "new", "--id", "client", "--scopes", "orders:read", "--key-file", keyPath])
        #expect(await issue.waitForExit(within: .seconds(20)) == 0)
        let key = try String(contentsOfFile: keyPath, encoding: .utf8).trimmingCharacters(in: .newlines)
        #expect(key.hasPrefix("gk_") && key.count > 40)
        let mode = try FileManager.default.attributesOfItem(atPath: keyPath)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(!issue.stdout.contains(key))
        #expect(issue.stdout.hasPrefix("\n[[api_keys]]\nid = \"client\"\n"), "\(issue.stdout)")

        // Appended after the routes, the block is valid TOML and the key passes.
        let rulesPath = directory.appendingPathComponent("gateway.conf").path
        try """
        [[upstreams]]
        name = "up"
        targets = ["127.0.0.1:9"]

        [[routes]]
        name = "orders"
        path_prefix = "/orders"
        upstream = "up"
        scopes = ["orders:read"]

        """.appending(issue.stdout).write(toFile: rulesPath, atomically: true, encoding: .utf8)
        let explain = try await ChildProcess.launch(
            ["explain", "-c", rulesPath, "--url", "http://a/orders/1", "-H", "X-API-Key: \(key)"]
        )
        #expect(await explain.waitForExit(within: .seconds(20)) == 0)
        #expect(explain.stdout.contains("decision: allow"), "\(explain.stdout)\(explain.stderr)")

        // An existing file is never overwritten, and nothing reaches stdout (the rules file).
        let again = try await ChildProcess.launch(["key", "new", "--key-file", keyPath])
        #expect(await again.waitForExit(within: .seconds(20)) == 1)
        #expect(again.stdout.isEmpty)
        #expect(again.stderr.contains("the file exists"))
        #expect(try String(contentsOfFile: keyPath, encoding: .utf8).trimmingCharacters(in: .newlines) == key)
    }
}
