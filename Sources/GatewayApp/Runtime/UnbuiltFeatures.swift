import GatewayRules

/// Rules-file features SPEC defines that this version does not run yet.
///
/// The schema accepts them (SPEC's key names are settled), but a gateway must never look as if it
/// enforced what it does not: a shared Redis replay store is refused outright, since falling back
/// to a per-replica memory store would let a request replayed to another replica through; rate
/// limits and the token endpoint, which protect nothing when absent, are loud warnings.
enum UnbuiltFeatures {
    static func problems(in loaded: LoadedRules) -> [Diagnostic] {
        let rules = loaded.rules
        var problems: [Diagnostic] = []
        if case .redis = rules.replay.store {
            problems.append(loaded.source.diagnostic(
                .error,
                keyPath: "replay.store",
                "the Redis replay store is not available in this version; use \"memory\" (one replica, or sticky routing per key)"
            ))
        }
        for (index, route) in rules.routes.enumerated() where route.rateLimit != nil {
            problems.append(loaded.source.diagnostic(
                .warning,
                keyPath: "routes[\(index + 1)](\(route.name)).rate_limit",
                "rate limits are not enforced in this version"
            ))
        }
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
