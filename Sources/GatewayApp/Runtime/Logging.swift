public import Logging

/// The operational log: stderr, never the audit log.
public enum OperationalLog {
    /// Operational logs go to stderr (SPEC §1); audit records never go through here.
    public static func bootstrap(label: String) -> Logger {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        return Logger(label: label)
    }
}

/// Writes a line to stderr.
public func printError(_ line: String) {
    var stream = StandardErrorStream()
    print(line, to: &stream)
}

private struct StandardErrorStream: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandleWriter.writeStandardError(string)
    }
}
