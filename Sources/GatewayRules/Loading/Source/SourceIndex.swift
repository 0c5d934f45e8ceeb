/// Where each key of a TOML text is written, by key path.
///
/// Built by `SourceScanner` in one pass over the text. Every table header, key and array element is
/// recorded under its label-free key path (`routes[3].upstream`, `server.listen[2]`), with the
/// position of the key and of its value. For a table header both are the header's `[`.
struct SourceIndex: Sendable {
    struct Entry: Sendable, Equatable {
        var key: SourcePosition
        var value: SourcePosition
    }

    private let entries: [String: Entry]

    init(text: String) {
        var scanner = SourceScanner(bytes: Array(text.utf8))
        self.entries = scanner.scan()
    }

    /// The position of `path`, or, when it is not written, of the nearest enclosing table or
    /// key that is (a missing key points at its table's header). Nil when nothing encloses it.
    func locate(_ path: KeyPath, anchor: SourceAnchor) -> SourcePosition? {
        var current: KeyPath? = path
        while let candidate = current, !candidate.components.isEmpty {
            if let entry = self.entries[candidate.lookupKey] {
                return anchor == .key ? entry.key : entry.value
            }
            current = candidate.parent
        }
        return nil
    }
}
