/// A 1-based line and column in a rules file; columns count Unicode scalars.
struct SourcePosition: Sendable, Equatable {
    var line: Int
    var column: Int
}

/// Which part of a `key = value` line a diagnostic points at.
enum SourceAnchor: Sendable {
    /// The key: for unknown keys and conflicts between keys.
    case key
    /// The value: for values that are wrong (the default).
    case value
}
