import Foundation
import GatewayTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Scratch directories: one root per process, fresh directories under it, and the roots of
/// processes that no longer exist removed.
@Suite struct ScratchDirectoryTests {
    @Test func directoriesAreFreshAndUnderTheProcesssRoot() throws {
        let root = try ScratchDirectory.root()
        #expect(root.lastPathComponent == "gateway-tests-\(getpid())")
        #expect(root.deletingLastPathComponent().standardizedFileURL == FileManager.default.temporaryDirectory.standardizedFileURL)
        #expect(try ScratchDirectory.root() == root)

        let first = try ScratchDirectory.make("scratch")
        let second = try ScratchDirectory.make("scratch")
        #expect(first != second)
        for directory in [first, second] {
            #expect(directory.deletingLastPathComponent().standardizedFileURL == root.standardizedFileURL)
            #expect(directory.lastPathComponent.hasPrefix("scratch-"))
            var isDirectory: ObjCBool = false
            #expect(FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory))
            #expect(isDirectory.boolValue)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
        }
    }

    @Test func staleRootsOfDeadProcessesAreRemoved() throws {
        let parent = try ScratchDirectory.make("stale-roots")
        let dead = Self.deadPID()
        let manager = FileManager.default
        let staleRoot = parent.appendingPathComponent("gateway-tests-\(dead)")
        try manager.createDirectory(at: staleRoot.appendingPathComponent("audit-1/nested"), withIntermediateDirectories: true)
        try Data("left behind\n".utf8).write(to: staleRoot.appendingPathComponent("audit-1/audit.log"))
        let kept = [
            "gateway-tests-\(getpid())",  // this process: alive
            "gateway-tests-1",  // init: alive (kill may say EPERM)
            "gateway-tests-abc",  // no pid
            "gateway-tests-0\(dead)",  // not the pid's own spelling
            "policy-\(dead)",  // not a root
        ]
        for name in kept {
            try manager.createDirectory(at: parent.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        // A link named like a stale root is left alone, and so is what it points to.
        let target = parent.appendingPathComponent("target")
        try manager.createDirectory(at: target, withIntermediateDirectories: true)
        let link = parent.appendingPathComponent("gateway-tests-\(Self.deadPID(after: dead))")
        try manager.createSymbolicLink(at: link, withDestinationURL: target)

        let removed = ScratchDirectory.removeStaleRoots(in: parent)

        #expect(removed.map(\.lastPathComponent) == ["gateway-tests-\(dead)"])
        #expect(!manager.fileExists(atPath: staleRoot.path))
        let left = try Set(manager.contentsOfDirectory(atPath: parent.path))
        #expect(left == Set(kept + ["target", link.lastPathComponent]))
        #expect(ScratchDirectory.removeStaleRoots(in: parent).isEmpty)
    }

    @Test func aMissingParentRemovesNothing() throws {
        let parent = try ScratchDirectory.make("missing").appendingPathComponent("not-there")
        #expect(ScratchDirectory.removeStaleRoots(in: parent).isEmpty)
    }

    /// A pid no process has: `kill(pid, 0)` fails with `ESRCH`.
    static func deadPID(after start: pid_t = 999_999) -> pid_t {
        var pid = start + 1
        while kill(pid, 0) == 0 || errno != ESRCH { pid += 1 }
        return pid
    }
}
