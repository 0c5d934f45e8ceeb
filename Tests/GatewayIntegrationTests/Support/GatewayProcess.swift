import Foundation
import Synchronization

/// The real `gateway` executable run as a child process, for tests of what only a process
/// shows: signals, its stderr, and the audit file on disk after it exits.
final class GatewayProcess: Sendable {
    let process: Process
    let port: Int
    private let log: LogWatcher
    private let exited: AsyncStream<Int32>

    /// The `gateway` binary next to the test bundle (`swift test` builds it).
    static var executable: URL {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = bundle.deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("gateway")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        return bundle.deletingLastPathComponent().appendingPathComponent("gateway")
    }

    private init(process: Process, port: Int, log: LogWatcher, exited: AsyncStream<Int32>) {
        self.process = process
        self.port = port
        self.log = log
        self.exited = exited
    }

    /// Starts `gateway run -c rulesPath` and waits until it logs that it listens.
    static func start(rulesPath: String, environment: [String: String] = [:]) async throws -> GatewayProcess {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = ["run", "-c", rulesPath]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        let log = LogWatcher()
        errors.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                log.close()
                return
            }
            log.append(String(decoding: data, as: UTF8.self))
        }
        let (exited, exitSink) = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { exitSink.yield($0.terminationStatus); exitSink.finish() }
        try process.run()
        guard let line = await log.waitForLine(containing: "] listening") else {
            throw TestError("gateway exited before listening: \(log.text)")
        }
        guard let port = line.split(separator: ":").last.flatMap({ Int($0.prefix { $0.isNumber }) }) else {
            throw TestError("no port in: \(line)")
        }
        return GatewayProcess(process: process, port: port, log: log, exited: exited)
    }

    func signal(_ number: Int32) {
        kill(self.process.processIdentifier, number)
    }

    /// Sends SIGTERM and waits for the exit status.
    func terminate() async -> Int32 {
        self.signal(SIGTERM)
        return await self.waitForExit()
    }

    func waitForExit() async -> Int32 {
        for await status in self.exited { return status }
        return self.process.terminationStatus
    }

    var stderr: String { self.log.text }

    /// Waits until stderr has a line containing `text`; nil if the process closed stderr first.
    @discardableResult
    func waitForLog(_ text: String) async -> String? {
        await self.log.waitForLine(containing: text)
    }

    /// Waits until stderr has `count` lines containing `text`; false if stderr closed first.
    func waitForLog(_ text: String, count: Int) async -> Bool {
        await self.log.waitForLine(containing: text, occurrence: count) != nil
    }

    /// The admin listener's port, from its "admin listening" line.
    func adminPort() async throws -> Int {
        guard let line = await self.log.waitForLine(containing: "] admin listening"),
            let port = line.split(separator: ":").last.flatMap({ Int($0.prefix { $0.isNumber }) })
        else { throw TestError("no admin port in: \(self.stderr)") }
        return port
    }
}

/// Collects a child's stderr and wakes those waiting for a line.
final class LogWatcher: Sendable {
    private struct State {
        var text = ""
        var closed = false
        var waiters: [(needle: String, occurrence: Int, continuation: CheckedContinuation<String?, Never>)] = []
    }

    private let state = Mutex(State())

    var text: String { self.state.withLock { $0.text } }

    func append(_ chunk: String) {
        let ready = self.state.withLock { state -> [(CheckedContinuation<String?, Never>, String)] in
            state.text += chunk
            var ready: [(CheckedContinuation<String?, Never>, String)] = []
            state.waiters.removeAll { waiter in
                guard let line = Self.line(in: state.text, containing: waiter.needle, occurrence: waiter.occurrence) else { return false }
                ready.append((waiter.continuation, line))
                return true
            }
            return ready
        }
        for (continuation, line) in ready { continuation.resume(returning: line) }
    }

    func close() {
        let waiters = self.state.withLock { state in
            state.closed = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.continuation.resume(returning: nil) }
    }

    /// The `occurrence`-th line (from 1) containing `needle`, once written; nil if stderr closed first.
    func waitForLine(containing needle: String, occurrence: Int = 1) async -> String? {
        await withCheckedContinuation { continuation in
            let immediate: String?? = self.state.withLock { state in
                if let line = Self.line(in: state.text, containing: needle, occurrence: occurrence) { return .some(line) }
                if state.closed { return .some(nil) }
                state.waiters.append((needle, occurrence, continuation))
                return .none
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
    }

    private static func line(in text: String, containing needle: String, occurrence: Int = 1) -> String? {
        // Only whole lines: a line still being written may not hold all of `needle` yet.
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        let matching = lines.lazy.filter { $0.contains(needle) }.dropFirst(occurrence - 1)
        return matching.first.map(String.init)
    }
}
