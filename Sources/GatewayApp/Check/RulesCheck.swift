import GatewayPolicy
import GatewayRules

/// `gateway check`: validates a rules file like `nginx -t` and says what it holds.
public enum RulesCheck {
    /// The lines to print and the exit status: `ok: R routes, K keys, A api keys, S signing keys`
    /// and 0, or each problem as `FILE:LINE:COL: error: MESSAGE` and 1. Warnings come first.
    ///
    /// K counts every JWT verification key, JWKS file keys included; JWK Sets fetched from a
    /// `url` are not fetched by `check` and not counted.
    public static func run(path: String) -> (lines: [String], status: Int32) {
        do {
            let (loaded, policy) = try RulesFile.compile(path)
            let rules = loaded.rules
            var lines = loaded.warnings.map(\.description)
            lines.append(
                "ok: \(rules.routes.count) routes, \(policy.jwtKeyCount) keys, \(rules.apiKeys.count) api keys, "
                    + "\(rules.signingKeys.count) signing keys"
            )
            return (lines, 0)
        } catch {
            return (error.diagnostics.map(\.description), 1)
        }
    }
}
