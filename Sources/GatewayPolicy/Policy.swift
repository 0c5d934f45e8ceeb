public import GatewayRules
import GatewayRouting
import NIOHTTP1

/// The decision for one request: a pure function of the request head, the loaded rules and a
/// clock (SPEC §9 "Order of checks"). The proxy and `gateway explain` run this same code.
public struct Policy: Sendable {
    public let routes: [CompiledRoute]
    private let table: RouteTable<CompiledRoute>

    /// Compiles validated rules. Validation guarantees every route names an existing upstream.
    public init(rules: Rules) {
        var upstreams: [String: UpstreamRule] = [:]
        for upstream in rules.upstreams { upstreams[upstream.name] = upstream }
        self.routes = rules.routes.enumerated().compactMap { index, rule in
            upstreams[rule.upstream].map { CompiledRoute(rule: rule, upstream: $0, index: index) }
        }
        self.table = RouteTable(
            self.routes.map {
                RouteEntry(host: $0.hostPattern, path: $0.pathPattern, methods: $0.rule.methods, payload: $0)
            }
        )
    }

    /// Decides whether `request` may pass, recording each check in `trace` when one is given.
    public func decide(_ request: PolicyRequest, trace: inout PolicyTrace) -> Decision {
        // Paths (SPEC §9): normalise before matching; a path that escapes the root is refused.
        let path: String
        switch PathNormalizer.normalize(request.rawPath) {
        case .success(let normalised):
            path = normalised
            trace.record("path", passed: true, detail: "normalised to \(normalised)")
        case .failure(let problem):
            trace.record("path", passed: false, detail: "\(problem)")
            return .deny(Denial(reason: .badPath))
        }

        // 1. Route (404 / 405).
        let route: CompiledRoute
        switch self.table.match(host: request.host ?? "", path: path, method: request.method.rawValue) {
        case .matched(let matched, _):
            route = matched
            trace.record("route", passed: true, detail: "matched \(matched.name)")
        case .methodNotAllowed(let allow):
            trace.record("route", passed: false, detail: "path matches, method does not; allowed: \(allow)")
            return .deny(
                Denial(reason: .methodNotAllowed, headers: [("Allow", allow.joined(separator: ", "))], path: path)
            )
        case .noRoute:
            trace.record("route", passed: false, detail: "no route matches host and path")
            return .deny(Denial(reason: .noRoute, path: path))
        }

        let upstreamTarget = Self.upstreamTarget(route: route, path: path, query: request.rawQuery)
        if route.rule.isPublic {
            trace.record("credential", passed: true, detail: "public route: no credential verified")
            return .allow(Allowance(route: route, path: path, upstreamTarget: upstreamTarget, identity: nil))
        }

        // 2. Credential present. Verification lands with the credentials module; until then a
        // protected route fails closed.
        trace.record("credential", passed: false, detail: "no accepted credential presented")
        return .deny(
            Denial(
                reason: .missingCredential,
                headers: [("WWW-Authenticate", #"Bearer realm="gateway""#)],
                routeName: route.name,
                path: path
            )
        )
    }

    /// Decides without tracing: the proxy's entry point.
    @inlinable
    public func decide(_ request: PolicyRequest) -> Decision {
        var trace = PolicyTrace.disabled
        return self.decide(request, trace: &trace)
    }

    private static func upstreamTarget(route: CompiledRoute, path: String, query: Substring) -> String {
        let forwardedPath = route.rule.stripPrefix ? route.pathPattern.strip(from: path) : path
        return query.isEmpty ? forwardedPath : forwardedPath + query
    }
}
