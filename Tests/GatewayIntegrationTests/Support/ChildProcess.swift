import Foundation

/// A command run as a child process — the `gateway` binary with any arguments, or a shell —
/// with its stdout and stderr collected, for tests of what only a process shows: exit statuses,
/// signals, the lines it writes. Unlike `GatewayProcess`, it waits for nothing at launch.
final class ChildProcess: Sendable {
    let process: Process
    private let standardOutput: LogWatcher
    private let standardError: LogWatcher
    private let exited: AsyncStream<Int32>

    private init(process: Process, standardOutput: LogWatcher, standardError: LogWatcher, exited: AsyncStream<Int32>) {
        self.process = process
        self.standardOutput = standardOutput
        self.standardError = standardError
        self.exited = exited
    }

    /// Starts `executable` (default: the `gateway` binary) with `arguments`.
    static func launch(
        _ arguments: [String],
        executable: URL = GatewayProcess.executable,
        environment: [String: String] = [:],
        removingFromEnvironment removed: [String] = [],
        directory: URL? = nil
    ) throws -> ChildProcess {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        for name in removed { merged[name] = nil }
        process.environment = merged
        if let directory { process.currentDirectoryURL = directory }
        let output = LogWatcher()
        let errors = LogWatcher()
        process.standardOutput = Self.pipe(into: output)
        process.standardError = Self.pipe(into: errors)
        process.standardInput = FileHandle.nullDevice
        let (exited, exitSink) = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { exitSink.yield($0.terminationStatus); exitSink.finish() }
        try process.run()
        return ChildProcess(process: process, standardOutput: output, standardError: errors, exited: exited)
    }

    /// A pipe whose output goes to `watcher`, read by a thread of its own with blocking reads:
    /// Foundation's `readabilityHandler` on Linux was seen to miss the end of a short-lived
    /// child's output now and then, which left a test waiting for ever.
    private static func pipe(into watcher: LogWatcher) -> Pipe {
        let pipe = Pipe()
        let reading = pipe.fileHandleForReading
        Thread.detachNewThread {
            while true {
                let data = reading.availableData
                if data.isEmpty { break }
                watcher.append(String(decoding: data, as: UTF8.self))
            }
            watcher.close()
        }
        return pipe
    }

    private static let unwritten = "\u{0}unwritten\u{0}"

    var stdout: String { self.standardOutput.text }
    var stderr: String { self.standardError.text }

    /// Waits until stdout or stderr (as asked) has a whole line containing `text`; nil if the
    /// stream closed first (the process exited).
    func waitForLine(containing text: String, inStandardOutput: Bool = false) async -> String? {
        await (inStandardOutput ? self.standardOutput : self.standardError).waitForLine(containing: text)
    }

    func signal(_ number: Int32) {
        kill(self.process.processIdentifier, number)
    }

    /// The exit status, once the process exited and its output was read to the end; nil when it
    /// is still running after `limit` (it is then killed, so no test leaves a process behind).
    func waitForExit(within limit: Duration) async -> Int32? {
        let status = await withTaskGroup(of: Int32?.self) { group in
            group.addTask {
                for await status in self.exited { return status }
                // Cancelled (the time ran out): the process may still run, so no status to read.
                return Task.isCancelled ? nil : self.process.terminationStatus
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let status else {
            self.signal(SIGKILL)
            return nil
        }
        // Whatever the process wrote before it exited is read before its status is reported: wait
        // for both pipes to close (a line no process writes is only "found" by the close).
        _ = await self.standardOutput.waitForLine(containing: Self.unwritten)
        _ = await self.standardError.waitForLine(containing: Self.unwritten)
        return status
    }
}
