import Foundation

/// Reads key files at load time: the only place the module touches the file system, never on
/// the request path.
enum KeyFile {
    /// Key, JWK Set and revocation files above this size are refused rather than read.
    static let maximumBytes = 64 * 1024 * 1024

    static func read(_ path: String) throws(KeyProblem) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw KeyProblem("\(path): no such file")
        }
        guard !isDirectory.boolValue else { throw KeyProblem("\(path) is a directory") }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw KeyProblem("cannot open \(path)") }
        defer { try? handle.close() }
        let data: Data?
        do {
            data = try handle.read(upToCount: Self.maximumBytes + 1)
        } catch {
            throw KeyProblem("cannot read \(path)")
        }
        let bytes = [UInt8](data ?? Data())
        guard bytes.count <= Self.maximumBytes else {
            throw KeyProblem("\(path) is larger than \(Self.maximumBytes) bytes")
        }
        return bytes
    }

    static func readText(_ path: String) throws(KeyProblem) -> String {
        let bytes = try Self.read(path)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw KeyProblem("\(path) is not UTF-8 text") }
        return text
    }
}
