public import GatewayPolicy
public import GatewayRules
import GatewayCredentials
import GatewayProxy
import Foundation

/// Loads a rules file for the CLI commands with the process environment.
public enum RulesFile {
    /// Loads and validates `path`; the error holds every problem found.
    public static func load(_ path: String) throws(RulesError) -> LoadedRules {
        try RulesLoader(environment: ProcessInfo.processInfo.environment).load(path: path)
    }

    /// Loads `path` and compiles its policy (keys parsed, API key table built): everything
    /// `gateway check` validates. Key problems become diagnostics located in the rules file.
    public static func compile(
        _ path: String,
        fetchedJWKS: [String: [UInt8]] = [:]
    ) throws(RulesError) -> (loaded: LoadedRules, policy: Policy) {
        let loaded = try Self.load(path)
        return (loaded, try Self.compile(loaded, fetchedJWKS: fetchedJWKS))
    }

    /// Compiles the policy of already loaded rules, and checks the TLS files load.
    public static func compile(_ loaded: LoadedRules, fetchedJWKS: [String: [UInt8]] = [:]) throws(RulesError) -> Policy {
        var diagnostics = TLSContexts.problems(in: loaded.rules).map { loaded.source.diagnostic(keyPath: $0.keyPath, $0.message) }
        do {
            let policy = try Policy(rules: loaded.rules, fetchedJWKS: fetchedJWKS)
            if diagnostics.isEmpty { return policy }
        } catch {
            diagnostics += error.problems.map { loaded.source.diagnostic(keyPath: $0.keyPath, $0.message) }
        }
        throw RulesError(diagnostics: diagnostics)
    }
}
