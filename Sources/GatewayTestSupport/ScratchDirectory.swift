public import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Scratch directories for tests, all under one root of the test process's own,
/// `<temporary directory>/gateway-tests-<pid>`, which is removed when the process exits
/// (`exit`, as the test runners end), whatever the tests left in it.
///
/// A process that dies without exiting (a crash, `SIGKILL`) leaves its root behind; the next
/// test process to make its own root removes the roots of processes that no longer exist
/// (``removeStaleRoots(in:)``), so nothing is left for long.
///
/// ```swift
/// let directory = try ScratchDirectory.make("audit")   // …/gateway-tests-4711/audit-<UUID>
/// ```
public enum ScratchDirectory {
    /// How every root's name begins; the process id follows.
    public static let rootPrefix = "gateway-tests-"

    /// This process's root, made on first use (see ``root()``).
    private static let made: Result<URL, any Error> = Result { try Self.makeRoot() }

    /// This process's root, `<temporary directory>/gateway-tests-<pid>`: made on the first call
    /// (after removing stale roots, and with its removal registered with `atexit`), the same
    /// URL on every call after. Throws when the root cannot be made.
    public static func root() throws -> URL {
        try Self.made.get()
    }

    /// A fresh empty directory `<root>/<prefix>-<UUID>` for one test. The caller may remove it
    /// when done; whatever is left goes when the process exits.
    public static func make(_ prefix: String) throws -> URL {
        let directory = try Self.root().appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
        // Intermediate directories too: the root comes back if something removed it meanwhile.
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// Removes from `parent` every directory named `gateway-tests-<pid>` whose process no longer
    /// exists (`kill(pid, 0)` fails with `ESRCH`), and returns those it removed. A process that
    /// exists but is not ours (`EPERM`) keeps its root, as does anything not named so exactly.
    /// Called with the temporary directory when the root is made; tests call it with a folder
    /// of their own.
    @discardableResult
    public static func removeStaleRoots(in parent: URL) -> [URL] {
        let manager = FileManager.default
        guard let names = try? manager.contentsOfDirectory(atPath: parent.path) else { return [] }
        var removed: [URL] = []
        for name in names where name.hasPrefix(Self.rootPrefix) {
            let digits = name.dropFirst(Self.rootPrefix.count)
            guard let pid = pid_t(digits), pid > 0, String(pid) == digits, !Self.processExists(pid) else { continue }
            let root = parent.appendingPathComponent(name, isDirectory: true)
            // A directory, not a link to one (`attributesOfItem` does not follow links).
            guard (try? manager.attributesOfItem(atPath: root.path)[.type]) as? FileAttributeType == .typeDirectory
            else { continue }
            if (try? manager.removeItem(at: root)) != nil { removed.append(root) }
        }
        return removed
    }

    /// Whether a process `pid` exists: `kill(pid, 0)` succeeds, or fails for another reason than
    /// `ESRCH` (`EPERM`: it exists but is another user's).
    static func processExists(_ pid: pid_t) -> Bool {
        kill(pid, 0) == 0 || errno != ESRCH
    }

    private static func makeRoot() throws -> URL {
        let parent = FileManager.default.temporaryDirectory
        Self.removeStaleRoots(in: parent)
        let root = parent.appendingPathComponent(Self.rootPrefix + String(getpid()), isDirectory: true)
        // A root of this pid that exists already was left by an earlier process that had the
        // same pid (this one makes its root once): start empty.
        try? FileManager.default.removeItem(at: root)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        atexit { ScratchDirectory.removeRootAtExit() }
        return root
    }

    /// The `atexit` handler: removes the root (it is made before the handler is registered).
    private static func removeRootAtExit() {
        guard case .success(let root) = Self.made else { return }
        try? FileManager.default.removeItem(at: root)
    }
}
