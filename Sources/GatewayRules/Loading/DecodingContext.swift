/// What every reader of one load shares: the file being read, where problems go, how files and
/// secrets are reached.
///
/// A class only so that the many `TableReader` values of a large file share one reference instead
/// of copying (and retaining) its parts; it is immutable.
final class DecodingContext {
    /// The file whose tables are being read (the rules file or `api_keys_file`).
    let source: RulesSource
    let log: DiagnosticLog
    let files: FileAccess
    /// For `secret_env`.
    let environment: [String: String]

    init(source: RulesSource, log: DiagnosticLog, files: FileAccess, environment: [String: String]) {
        self.source = source
        self.log = log
        self.files = files
        self.environment = environment
    }

    /// The same load, reading another file.
    func reading(_ source: RulesSource) -> DecodingContext {
        DecodingContext(source: source, log: self.log, files: self.files, environment: self.environment)
    }

    /// Adds a diagnostic for `path` of this context's file, located in its text.
    func report(_ severity: Diagnostic.Severity, at path: KeyPath, anchor: SourceAnchor = .value, _ message: String) {
        self.log.add(self.source.diagnostic(severity, at: path, anchor: anchor, message))
    }
}
