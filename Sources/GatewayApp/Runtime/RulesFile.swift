public import GatewayRules
import Foundation

/// Loads a rules file for the CLI commands with the process environment.
public enum RulesFile {
    /// Loads and validates `path`; the error holds every problem found.
    public static func load(_ path: String) throws(RulesError) -> LoadedRules {
        try RulesLoader(environment: ProcessInfo.processInfo.environment).load(path: path)
    }
}
