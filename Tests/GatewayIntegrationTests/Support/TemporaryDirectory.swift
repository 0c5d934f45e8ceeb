import Foundation

/// A fresh folder under the system's temporary directory, named `prefix-UUID`, for one test;
/// the caller removes it (`defer { try? FileManager.default.removeItem(at: directory) }`).
func makeTemporaryDirectory(_ prefix: String) throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}
