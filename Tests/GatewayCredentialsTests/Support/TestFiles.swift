import Foundation
import GatewayTestSupport

/// A fresh directory under the test process's scratch root for one test's key files, removed
/// when the test lets go of it.
final class TestDirectory {
    let path: String

    init() {
        self.path = try! ScratchDirectory.make("gateway-credentials-tests").path
    }

    deinit {
        try? FileManager.default.removeItem(atPath: self.path)
    }

    /// Writes `contents` to `name` and returns the file's path.
    @discardableResult
    func write(_ name: String, _ contents: String) -> String {
        self.write(name, Array(contents.utf8))
    }

    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) -> String {
        let file = self.path + "/" + name
        _ = FileManager.default.createFile(atPath: file, contents: Data(bytes))
        return file
    }
}
