import Subprocess
import SystemPackage

/// A command run to its end — `python3`, `promtool`, `redis-cli` — with its output collected,
/// through swift-subprocess (see `BackgroundProcess` for why not Foundation's `Process`): the
/// test awaits it, holding no thread while the child runs.
public struct Command: Sendable {
    /// The exit code (or 128 + the signal that ended it), standard output and standard error.
    public struct Result: Sendable {
        public let status: Int32
        public let standardOutput: String
        public let standardError: String
    }

    /// The most either stream may write: a test's command that writes more has gone wrong.
    static let outputLimit = 64 << 20

    /// Runs `executable` — a path, or a name looked up in `PATH` — with `arguments`, writing
    /// `input` to its standard input (without one, the child reads end of file at once), in
    /// `directory` if given.
    public static func run(
        _ executable: String,
        _ arguments: [String],
        input: String? = nil,
        environment: [String: String?] = [:],
        directory: String? = nil
    ) async throws -> Result {
        let outcome = try await Subprocess.run(
            executable.contains("/") ? .path(FilePath(executable)) : .name(executable),
            arguments: Arguments(arguments),
            environment: BackgroundProcess.environment(environment),
            workingDirectory: directory.map { FilePath($0) },
            input: .string(input ?? ""),
            output: .string(limit: Self.outputLimit),
            error: .string(limit: Self.outputLimit)
        )
        return Result(
            status: outcome.terminationStatus.code,
            standardOutput: outcome.standardOutput,
            standardError: outcome.standardError
        )
    }
}
