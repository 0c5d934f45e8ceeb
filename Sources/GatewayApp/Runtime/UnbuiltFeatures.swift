import GatewayRules

/// Rules-file features SPEC defines that this version does not run yet.
///
/// The schema accepts them (SPEC's key names are settled), but a gateway must never look as if it
/// served what it does not: the token endpoint is a loud warning until it is served.
enum UnbuiltFeatures {
    static func problems(in loaded: LoadedRules) -> [Diagnostic] {
        let rules = loaded.rules
        var problems: [Diagnostic] = []
        if rules.tokenEndpoint != nil {
            problems.append(loaded.source.diagnostic(
                .warning,
                keyPath: "token_endpoint",
                "the token endpoint is not served in this version"
            ))
        }
        return problems
    }
}
