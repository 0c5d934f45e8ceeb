import Foundation
import GatewayTestSupport
import Synchronization

/// The real `gateway` executable run as a child process, for tests of what only a process
/// shows: signals, its stderr, and the audit file on disk after it exits.
final class GatewayProcess: Sendable {
    private let child: BackgroundProcess
    let port: Int
    private let log: LogWatcher

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

    private init(child: BackgroundProcess, port: Int, log: LogWatcher) {
        self.child = child
        self.port = port
        self.log = log
    }

    /// The child's process id.
    var processIdentifier: Int32 { self.child.processIdentifier }

    /// Starts `gateway run -c rulesPath` and waits until it logs that it listens.
    static func start(rulesPath: String, environment: [String: String] = [:]) async throws -> GatewayProcess {
        let log = LogWatcher()
        let child = try await BackgroundProcess.launch(
            Self.executable.path, ["run", "-c", rulesPath], environment: environment,
            standardOutput: { _ in },
            standardError: { log.append($0) },
            closed: { log.close() }
        )
        guard let line = await log.waitForLine(containing: "] listening") else {
            throw TestError("gateway exited before listening: \(log.text)")
        }
        guard let port = line.split(separator: ":").last.flatMap({ Int($0.prefix { $0.isNumber }) }) else {
            throw TestError("no port in: \(line)")
        }
        return GatewayProcess(child: child, port: port, log: log)
    }

    func signal(_ number: Int32) {
        self.child.signal(number)
    }

    /// Sends SIGTERM and waits for the exit status.
    func terminate() async -> Int32 {
        self.signal(SIGTERM)
        return await self.waitForExit()
    }

    /// The exit status (128 + the signal's number if a signal ended it; -1 if it could not be
    /// read), once stderr was read to its end.
    func waitForExit() async -> Int32 {
        (try? await self.child.exitStatus()) ?? -1
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
