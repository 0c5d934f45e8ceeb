/// One problem found in a rules file, printed the way compilers and `nginx -t` do.
///
/// With a position: `FILE:LINE:COL: error: MESSAGE`. Without one: `FILE: error: KEY.PATH: MESSAGE`.
/// Key paths name array entries from 1 with the entry's name or id: `routes[3](orders-read).upstream`.
public struct Diagnostic: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable, Equatable {
        case error
        case warning
    }

    public var severity: Severity
    public var file: String
    /// 1-based; nil when no position is known.
    public var line: Int?
    /// 1-based; nil when no position is known.
    public var column: Int?
    /// `server.listen`, `routes[3](orders-read).upstream`; nil for file-level problems.
    public var keyPath: String?
    /// Never contains a secret.
    public var message: String

    public init(
        severity: Severity = .error,
        file: String,
        line: Int? = nil,
        column: Int? = nil,
        keyPath: String? = nil,
        message: String
    ) {
        self.severity = severity
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.message = message
    }

    public var description: String {
        let text = self.keyPath.map { "\($0): \(self.message)" } ?? self.message
        if let line = self.line {
            return "\(self.file):\(line):\(self.column ?? 1): \(self.severity.rawValue): \(text)"
        }
        return "\(self.file): \(self.severity.rawValue): \(text)"
    }
}

/// The rules file could not be loaded; `diagnostics` holds every problem found, warnings included,
/// sorted by file (the rules file first, then `api_keys_file`), line and column.
public struct RulesError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public init(diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    public var description: String {
        self.diagnostics.map(\.description).joined(separator: "\n")
    }
}

/// A successfully loaded rules file and the warnings found on the way (an inline `secret`, …).
public struct LoadedRules: Sendable {
    public var rules: Rules
    public var warnings: [Diagnostic]
    /// The file's text, kept so later stages (key parsing) can locate their diagnostics.
    public var source: RulesSource

    public init(rules: Rules, warnings: [Diagnostic], source: RulesSource) {
        self.rules = rules
        self.warnings = warnings
        self.source = source
    }
}
