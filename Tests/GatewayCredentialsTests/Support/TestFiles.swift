import Foundation

/// A fresh directory under the system temporary directory for one test's key files, removed
/// when the test lets go of it.
final class TestDirectory {
    let path: String

    init() {
        let path = NSTemporaryDirectory() + "gateway-credentials-tests-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        self.path = path
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
