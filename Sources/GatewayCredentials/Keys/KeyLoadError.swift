/// Keys that could not be loaded: every problem found, each with the rules-file key path it
/// belongs to (SPEC §9 "`gateway check` counts": `keys[2](auth-es256).public_key_file`).
///
/// Messages say what is wrong with a key, never what is in it: no key material, no secret.
public struct KeyLoadError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// `keys[2](auth-es256).public_key_file`, `jwks[1].file`, `api_keys[3](acme).hash`.
        public var keyPath: String
        public var message: String

        public init(keyPath: String, message: String) {
            self.keyPath = keyPath
            self.message = message
        }

        public var description: String { "\(self.keyPath): \(self.message)" }
    }

    public var problems: [Problem]

    public init(problems: [Problem]) {
        self.problems = problems
    }

    public var description: String {
        self.problems.map(\.description).joined(separator: "\n")
    }
}

/// One problem with one key, before the key path is known.
struct KeyProblem: Error, Sendable {
    var message: String

    init(_ message: String) {
        self.message = message
    }
}
