/// `[jwt] revoked_file`: `jti`s refused with 401 `token_revoked` (SPEC §2).
///
/// One `jti` per line; blank lines and lines whose first non-blank character is `#` are
/// ignored; surrounding spaces, tabs and a `\r` before the newline are trimmed. Immutable and
/// `Sendable`: loaded with the rules, swapped on reload.
public struct RevocationList: Sendable {
    private var revoked: Set<String>

    /// Parses the file's text.
    public init(text: some StringProtocol) {
        var revoked = Set<String>()
        for line in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            var trimmed = Substring(line)
            while let first = trimmed.first, Self.isBlank(first) { trimmed.removeFirst() }
            while let last = trimmed.last, Self.isBlank(last) { trimmed.removeLast() }
            guard let first = trimmed.first, first != "#" else { continue }
            revoked.insert(String(trimmed))
        }
        self.revoked = revoked
    }

    /// The given `jti`s.
    public init(jtis: some Sequence<String>) {
        self.revoked = Set(jtis)
    }

    /// Reads `revoked_file` (at load time); the key path of a problem is `jwt.revoked_file`.
    public init(contentsOfFile path: String) throws(KeyLoadError) {
        do throws(KeyProblem) {
            self.init(text: try KeyFile.readText(path))
        } catch {
            throw KeyLoadError(problems: [.init(keyPath: "jwt.revoked_file", message: error.message)])
        }
    }

    /// Whether `jti` is revoked. Asked on every request with a token that has a `jti`; an empty
    /// list (the usual case) answers without hashing it.
    public func contains(_ jti: some StringProtocol) -> Bool {
        !self.revoked.isEmpty && self.revoked.contains(String(jti))
    }

    public var count: Int { self.revoked.count }

    private static func isBlank(_ character: Character) -> Bool {
        character == " " || character == "\t" || character == "\r"
    }
}
