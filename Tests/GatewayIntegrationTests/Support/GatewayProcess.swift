import Foundation
import GatewayTestSupport
import Synchronization

/// The real `gateway` executable run as a child process, for tests of what only a process
/// shows: signals, its stderr, and the audit file on disk after it exits.
final class GatewayProcess: Sendable {
    private let child: BackgroundProcess
    let port: Int
    private let log: OutputWatcher

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

    private init(child: BackgroundProcess, port: Int, log: OutputWatcher) {
        self.child = child
        self.port = port
        self.log = log
    }

    /// The child's process id.
    var processIdentifier: Int32 { self.child.processIdentifier }

    /// Starts `gateway run -c rulesPath` and waits until it logs that it listens.
    static func start(rulesPath: String, environment: [String: String] = [:]) async throws -> GatewayProcess {
        let log = OutputWatcher()
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
