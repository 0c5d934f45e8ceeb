import Synchronization

/// The text of a rules file, able to say on which line a key (by key path) is written.
///
/// TOMLKit reports positions only for syntax errors, so positions of semantic errors are found
/// here by scanning the text (hand-written: no maintained package maps TOML keys to positions).
/// The text is scanned once, on the first lookup, so a file without problems is never scanned.
public struct RulesSource: Sendable {
    public var path: String
    public var text: String {
        didSet { self.index = SourceIndexCache() }
    }
    private var index = SourceIndexCache()

    public init(path: String, text: String) {
        self.path = path
        self.text = text
    }

    /// Line and column (1-based) where the value at `keyPath` is written, if it can be found.
    ///
    /// `keyPath` is printed as in diagnostics (`routes[3](orders-read).upstream`). A key that is
    /// not written gives the position of its table's header (or of the nearest enclosing key).
    public func locate(keyPath: String) -> (line: Int, column: Int)? {
        guard let path = KeyPath(parsing: keyPath) else { return nil }
        return self.locate(path, anchor: .value).map { ($0.line, $0.column) }
    }

    /// Where `path` is written: its key or its value, or its table's header when absent.
    func locate(_ path: KeyPath, anchor: SourceAnchor) -> SourcePosition? {
        self.index.get(self.text).locate(path, anchor: anchor)
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

    /// A diagnostic for `path`, pointing at its key or its value.
    func diagnostic(
        _ severity: Diagnostic.Severity,
        at path: KeyPath,
        anchor: SourceAnchor,
        _ message: String
    ) -> Diagnostic {
        let position = self.locate(path, anchor: anchor)
        return Diagnostic(
            severity: severity,
            file: self.path,
            line: position?.line,
            column: position?.column,
            keyPath: path.components.isEmpty ? nil : path.description,
            message: message
        )
    }
}

/// The `SourceIndex` of one text, built on first use and shared by copies of its `RulesSource`.
private final class SourceIndexCache: Sendable {
    private let index = Mutex<SourceIndex?>(nil)

    /// The index of `text`, built by the first caller.
    func get(_ text: String) -> SourceIndex {
        self.index.withLock { index in
            if let index { return index }
            let built = SourceIndex(text: text)
            index = built
            return built
        }
    }
}
