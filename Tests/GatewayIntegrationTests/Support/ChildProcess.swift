import Foundation
import GatewayTestSupport

/// A command run as a child process — the `gateway` binary with any arguments, or a shell —
/// with its stdout and stderr collected, for tests of what only a process shows: exit statuses,
/// signals, the lines it writes. Unlike `GatewayProcess`, it waits for nothing at launch.
final class ChildProcess: Sendable {
    private let child: BackgroundProcess
    private let standardOutput: OutputWatcher
    private let standardError: OutputWatcher

    private init(child: BackgroundProcess, standardOutput: OutputWatcher, standardError: OutputWatcher) {
        self.child = child
        self.standardOutput = standardOutput
        self.standardError = standardError
    }

    /// Starts `executable` (default: the `gateway` binary) with `arguments`.
    static func launch(
        _ arguments: [String],
        executable: URL = GatewayProcess.executable,
        environment: [String: String] = [:],
        removingFromEnvironment removed: [String] = [],
        directory: URL? = nil
    ) async throws -> ChildProcess {
        var changes: [String: String?] = environment
        for name in removed { changes[name] = .some(nil) }
        let output = OutputWatcher()
        let errors = OutputWatcher()
        let child = try await BackgroundProcess.launch(
            executable.path, arguments, environment: changes, directory: directory?.path,
            standardOutput: { output.append($0) },
            standardError: { errors.append($0) },
            closed: { output.close(); errors.close() }
        )
        return ChildProcess(child: child, standardOutput: output, standardError: errors)
    }

    var stdout: String { self.standardOutput.text }
    var stderr: String { self.standardError.text }

    /// Waits until stdout or stderr (as asked) has a whole line containing `text`; nil if the
    /// stream closed first (the process exited).
    func waitForLine(containing text: String, inStandardOutput: Bool = false) async -> String? {
        await (inStandardOutput ? self.standardOutput : self.standardError).waitForLine(containing: text)
    }

    func signal(_ number: Int32) {
        self.child.signal(number)
    }

    /// The exit status, once the process exited and its output was read to the end (128 + the
    /// signal's number if a signal ended it); nil when it is still running after `limit` (it is
    /// then killed, so no test leaves a process behind).
    func waitForExit(within limit: Duration) async -> Int32? {
        await withTaskGroup(of: Int32?.self) { group in
            group.addTask { try? await self.child.exitStatus() }
            group.addTask {
                // Cancelled: the process exited first. Else it is killed here, so that the
                // other task, which waits for its exit, ends and the group can return.
                do { try await Task.sleep(for: limit) } catch { return nil }
                self.signal(SIGKILL)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
