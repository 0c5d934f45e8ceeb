public import GatewayPolicy
public import GatewayRules
import GatewayCredentials
import GatewayProxy
import Foundation
import NIOPosix

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

    /// The JWK Sets `path` names by URL, fetched as `gateway run` fetches them at start, so that
    /// `check` counts their keys and `explain` judges tokens as `run` would. A set that cannot be
    /// fetched is left out and said in the second result (`run` starts without it too).
    public static func fetchJWKS(for path: String) async -> (sets: [String: [UInt8]], problems: [String]) {
        guard let loaded = try? Self.load(path) else { return ([:], []) }
        return await Self.fetchJWKS(loaded.rules, trustRootsPEM: nil)
    }

    static func fetchJWKS(_ rules: Rules, trustRootsPEM: String?) async -> (sets: [String: [UInt8]], problems: [String]) {
        let urls = rules.jwks.enumerated().compactMap { index, rule -> (Int, String)? in
            if case .url(let url, _) = rule.source { return (index, url) }
            return nil
        }
        guard !urls.isEmpty, let fetcher = try? HTTPSFetcher(group: MultiThreadedEventLoopGroup.singleton, trustRootsPEM: trustRootsPEM) else {
            return ([:], [])
        }
        var sets: [String: [UInt8]] = [:]
        var problems: [String] = []
        for (index, url) in urls {
            do {
                sets[url] = try await fetcher.get(url)
            } catch {
                problems.append("jwks[\(index + 1)].url: \(url) could not be fetched (\(error)); its keys are left out, as `run` would start without them")
            }
        }
        return (sets, problems)
    }
}
