public import Logging
import Synchronization

/// The operational log: stderr, never the audit log.
public enum OperationalLog {
    /// How log lines are written (`gateway run --log-format`).
    public enum Format: String, Sendable, CaseIterable {
        /// swift-log's `StreamLogHandler`: `TIMESTAMP LEVEL LABEL: METADATA [SOURCE] MESSAGE`.
        case text
        /// One JSON object per line with the same fields: `ts`, `level`, `label`, `source`,
        /// `message`, `metadata`.
        case json
    }

    private static let chosenFormat = Mutex(Format.text)

    /// The format chosen at bootstrap (lines printed without a logger follow it).
    public static var format: Format { Self.chosenFormat.withLock { $0 } }

    /// Operational logs go to stderr (SPEC §1) at `level` and above; audit records never go
    /// through here. Call once, first thing.
    public static func bootstrap(label: String, level: Logger.Level = .info, format: Format = .text) -> Logger {
        Self.chosenFormat.withLock { $0 = format }
        LoggingSystem.bootstrap { label in
            switch format {
            case .text:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            case .json:
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        }
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
