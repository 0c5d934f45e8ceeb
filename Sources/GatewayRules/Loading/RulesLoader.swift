/// Reads a rules file (TOML), validates every key of SPEC §2 and produces `Rules`.
///
/// Unknown keys, wrong types, bad durations and sizes, dangling upstream names, unreadable files
/// and unresolvable secrets are all errors; every error found is reported, each with the best
/// position known.
public struct RulesLoader: Sendable {
    /// Environment used for `secret_env`.
    public var environment: [String: String]

    public init(environment: [String: String]) {
        self.environment = environment
    }

    /// Loads the file at `path`.
    public func load(path: String) throws(RulesError) -> LoadedRules {
        throw RulesError(diagnostics: [Diagnostic(file: path, message: "not implemented")])
    }

    /// Loads rules from `text` as if read from `path` (relative paths resolve against its folder).
    public func load(text: String, path: String) throws(RulesError) -> LoadedRules {
        throw RulesError(diagnostics: [Diagnostic(file: path, message: "not implemented")])
    }
}
