import Foundation

/// Reads a rules file (TOML), validates every key of SPEC §2 and §8 and produces `Rules`.
///
/// Unknown keys, wrong types, bad durations and sizes, dangling upstream names, unreadable files
/// and unresolvable secrets are all errors; every error found is reported, each with the best
/// position known. Relative paths resolve against the rules file's folder; secrets are read here,
/// so later stages never touch the environment.
public struct RulesLoader: Sendable {
    /// Environment used for `secret_env`.
    public var environment: [String: String]

    public init(environment: [String: String]) {
        self.environment = environment
    }

    /// A loader reading `secret_env` from this process's environment.
    public init() {
        self.init(environment: ProcessInfo.processInfo.environment)
    }

    /// Loads the file at `path`.
    public func load(path: String) throws(RulesError) -> LoadedRules {
        let bytes: [UInt8]
        switch FileAccess(rulesPath: path).read(path) {
        case .failure(let problem):
            throw RulesError(diagnostics: [
                Diagnostic(file: path, message: "cannot read the rules file: \(problem.reason)")
            ])
        case .success(let read):
            bytes = read
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw RulesError(diagnostics: [Diagnostic(file: path, message: "the rules file is not UTF-8 text")])
        }
        return try self.load(text: text, path: path)
    }

    /// Loads rules from `text` as if read from `path` (relative paths resolve against its folder).
    public func load(text: String, path: String) throws(RulesError) -> LoadedRules {
        let source = RulesSource(path: path, text: text)
        let table: TOMLNode.Table
        switch TOMLNode.parse(text, file: path) {
        case .failure(let error): throw error
        case .success(let parsed): table = parsed
        }
        let log = DiagnosticLog(rulesFile: path)
        let context = DecodingContext(
            source: source,
            log: log,
            files: FileAccess(rulesPath: path),
            environment: self.environment
        )
        let rules = RulesDecoder(root: TableReader(table: table, path: .root, context: context)).decode()
        let diagnostics = log.sorted()
        guard let rules, !log.hasErrors else {
            throw RulesError(
                diagnostics: diagnostics.isEmpty ? [Diagnostic(file: path, message: "invalid rules")] : diagnostics
            )
        }
        return LoadedRules(rules: rules, warnings: diagnostics, source: source)
    }
}
