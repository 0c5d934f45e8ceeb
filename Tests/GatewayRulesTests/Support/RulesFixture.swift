import Foundation
import GatewayRules
import GatewayTestSupport

/// A temporary folder (under the test process's scratch root) holding a rules file and the files
/// it names; removed when released.
///
/// SwiftPM resources would need `Package.swift` changes, so fixtures are written by the tests.
final class RulesFixture {
    let directory: String
    var rulesPath: String { self.directory + "/gateway.conf" }

    init() throws {
        self.directory = try ScratchDirectory.make("gateway-rules").path
    }

    deinit {
        try? FileManager.default.removeItem(atPath: self.directory)
    }

    /// Writes `text` to `name` (relative to the folder, parent folders created); returns the full path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let path = self.directory + "/" + name
        let folder = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Writes empty files at each of `names` (the loader only checks that they can be read).
    func touch(_ names: String...) throws {
        for name in names { try self.write(name, "placeholder\n") }
    }

    /// Writes `text` as gateway.conf and loads it.
    func load(_ text: String, environment: [String: String] = [:]) throws(RulesError) -> LoadedRules {
        do {
            try self.write("gateway.conf", text)
        } catch {
            fatalError("cannot write the fixture: \(error)")
        }
        return try RulesLoader(environment: environment).load(path: self.rulesPath)
    }

    /// The printed diagnostics of loading `text`, with this folder's path removed so they read as
    /// `gateway check` prints them for `-c gateway.conf`; empty when the load succeeds.
    func problems(_ text: String, environment: [String: String] = [:]) -> [String] {
        do {
            _ = try self.load(text, environment: environment)
            return []
        } catch {
            return error.diagnostics.map { $0.description.replacing(self.directory + "/", with: "") }
        }
    }
}

/// 64 hex digits: the SHA-256 of "gk_test_key".
let testKeyHash = "sha256:c84c8b6a56dafab8e959506103bc0569285079a814095fb4a4d0315c89bd2f57"

/// A minimal valid tail: one upstream and one route using it.
let minimalRoutes = """
    [[upstreams]]
    name = "orders"
    targets = ["127.0.0.1:9000"]

    [[routes]]
    name = "orders-read"
    path_prefix = "/orders"
    upstream = "orders"

    """
