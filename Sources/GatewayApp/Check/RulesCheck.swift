import GatewayPolicy
import GatewayProxy
import GatewayRules

/// `gateway check`: validates a rules file like `nginx -t` and says what it holds.
public enum RulesCheck {
    /// The lines to print and the exit status: `ok: R routes, K keys, A api keys, S signing keys`
    /// and 0, or each problem as `FILE:LINE:COL: error: MESSAGE` and 1. Warnings come first.
    ///
    /// K counts every JWT verification key, JWK Set keys included: `fetchedJWKS` holds the sets
    /// of `[[jwks]] url` sources (`RulesFile.fetchJWKS`), `fetchProblems` what could not be had.
    ///
    /// Upstream host names are looked up (SPEC §1: "upstream names exist"); one that does not
    /// resolve now is a warning, not an error: `run` looks names up when it connects, and a
    /// Kubernetes Service name may not resolve until its Service exists (SPEC §9).
    public static func run(
        path: String,
        fetchedJWKS: [String: [UInt8]] = [:],
        fetchProblems: [String] = []
    ) -> (lines: [String], status: Int32) {
        do {
            let (loaded, policy) = try RulesFile.compile(path, fetchedJWKS: fetchedJWKS)
            let rules = loaded.rules
            var lines = loaded.warnings.map(\.description)
            lines += fetchProblems.map { "\(path): warning: \($0)" }
            lines += Self.unresolvedNames(in: loaded).map(\.description)
            lines.append(
                "ok: \(rules.routes.count) routes, \(policy.jwtKeyCount) keys, \(rules.apiKeys.count) api keys, "
                    + "\(rules.signingKeys.count) signing keys"
            )
            return (lines, 0)
        } catch {
            return (error.diagnostics.map(\.description), 1)
        }
    }

    /// A warning for each upstream target whose host name does not resolve now (each name looked
    /// up once).
    static func unresolvedNames(in loaded: LoadedRules) -> [Diagnostic] {
        var answers: [String: String?] = [:]
        var warnings: [Diagnostic] = []
        for (index, upstream) in loaded.rules.upstreams.enumerated() {
            for target in upstream.targets where TargetResolver(host: target.host, port: target.port).isName {
                let problem: String?
                if let known = answers[target.host] {
                    problem = known
                } else {
                    problem = Self.lookUp(host: target.host, port: target.port)
                    answers[target.host] = problem
                }
                guard let problem else { continue }
                warnings.append(
                    loaded.source.diagnostic(
                        .warning,
                        keyPath: "upstreams[\(index + 1)](\(upstream.name)).targets",
                        "\(problem); the gateway looks it up again at each new connection, and answers 502 "
                            + "upstream_unavailable for \(target) until it resolves"
                    )
                )
            }
        }
        return warnings
    }

    /// Looks a host name up with the system resolver: nil when it resolves, else why not.
    public static func lookUp(host: String, port: Int) -> String? {
        do {
            _ = try TargetResolver.lookUp(host: host, port: port)
            return nil
        } catch {
            return error.description
        }
    }
}
