import Glibc
import Subprocess
import SystemPackage
import Synchronization

/// A child process that runs beside a test — the `gateway` binary, `redis-server`, a shell —
/// started with swift-subprocess. Its standard output and error go, as they arrive, to the
/// handlers given at launch; it can be signalled; its exit status is awaited.
///
/// Not Foundation's `Process`: on Linux its launcher copies a whole 256-byte `d_name` out of
/// each `/proc/self/fd` entry and now and then reads past the end of glibc's buffer, which
/// crashed the whole test process (swift-corelibs-foundation#5472, not in Swift 6.3.1); and
/// its blocking waits held threads of the tests' cooperative pool, of which this 2-core
/// machine has two. Here nothing blocks a thread: the output and the exit are awaited.
public final class BackgroundProcess: Sendable {
    /// The child's process id.
    public let processIdentifier: Int32
    private let run: Task<Int32, any Error>
    private let exit: ExitFlag

    private init(processIdentifier: Int32, run: Task<Int32, any Error>, exit: ExitFlag) {
        self.processIdentifier = processIdentifier
        self.run = run
        self.exit = exit
    }

    /// Starts `executable` (a path) with `arguments`; `environment` entries replace inherited
    /// ones, a nil value removes one. Standard input is `/dev/null`. `standardOutput` and
    /// `standardError` receive each chunk read (decoded as UTF-8), then `closed` once both
    /// pipes reached their end.
    public static func launch(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String?] = [:],
        directory: String? = nil,
        standardOutput: @escaping @Sendable (String) -> Void,
        standardError: @escaping @Sendable (String) -> Void,
        closed: @escaping @Sendable () -> Void = {}
    ) async throws -> BackgroundProcess {
        let (started, startedSink) = AsyncStream<pid_t>.makeStream()
        let exit = ExitFlag()
        let run = Task<Int32, any Error> {
            defer { startedSink.finish() }
            let result = try await Subprocess.run(
                .path(FilePath(executable)),
                arguments: Arguments(arguments),
                environment: Self.environment(environment),
                workingDirectory: directory.map { FilePath($0) },
                input: .none,
                output: .sequence,
                error: .sequence
            ) { execution in
                startedSink.yield(execution.processIdentifier.value)
                startedSink.finish()
                async let output: Void = Self.drain(execution.standardOutput, into: standardOutput)
                async let errors: Void = Self.drain(execution.standardError, into: standardError)
                _ = await (output, errors)
                closed()
            }
            exit.set()
            return result.terminationStatus.code
        }
        for await processIdentifier in started {
            return BackgroundProcess(processIdentifier: processIdentifier, run: run, exit: exit)
        }
        // The launch failed: the task's error says why.
        _ = try await run.value
        throw ProcessFailure("\(executable) did not start")
    }

    /// Sends `signal` (e.g. `SIGTERM`) unless the child is known to have exited (its process id
    /// may then be another process's).
    public func signal(_ signal: Int32) {
        self.exit.unlessSet { _ = kill(self.processIdentifier, signal) }
    }

    /// The exit status once the child exited and its output was read to the end: the code it
    /// exited with, or 128 + the signal that ended it (as a shell reports it).
    public func exitStatus() async throws -> Int32 {
        try await self.run.value
    }

    private static func drain(_ sequence: SubprocessOutputSequence, into handler: @Sendable (String) -> Void) async {
        do {
            for try await buffer in sequence {
                handler(buffer.withUnsafeBytes { String(decoding: $0, as: UTF8.self) })
            }
        } catch {
            // The pipe failed: what was read was handed over; the exit status still comes.
        }
    }

    static func environment(_ overrides: [String: String?]) -> Environment {
        var keyed: [Environment.Key: String?] = [:]
        for (name, value) in overrides {
            if let key = Environment.Key(rawValue: name) { keyed[key] = value }
        }
        return .inherit.updating(keyed)
    }
}

/// Whether a child was seen to exit; signals are sent only while it is not set.
private final class ExitFlag: Sendable {
    private let exited = Mutex(false)

    func set() { self.exited.withLock { $0 = true } }

    func unlessSet(_ body: () -> Void) {
        self.exited.withLock { exited in if !exited { body() } }
    }
}

extension TerminationStatus {
    /// The exit code, or 128 + the signal number for a child a signal ended.
    var code: Int32 {
        switch self {
        case .exited(let code): code
        case .signaled(let signal): 128 + signal
        }
    }
}

/// A child process that could not be run or did not answer as expected.
public struct ProcessFailure: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
