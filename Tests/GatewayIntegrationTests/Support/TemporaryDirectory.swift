import Foundation
import GatewayTestSupport

/// A fresh folder named `prefix-UUID` under the test process's scratch root, for one test
/// (`ScratchDirectory.make`); the caller may remove it (`defer { try? FileManager.default.removeItem(at:
/// directory) }`), and whatever is left goes when the process exits.
func makeTemporaryDirectory(_ prefix: String) throws -> URL {
    try ScratchDirectory.make(prefix)
}
