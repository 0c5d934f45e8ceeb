/// The bucket a request counts against: one per route and credential id, or per client address
/// on public routes (SPEC §9 "Rate limits").
///
/// Built only from the configuration (the route's name) and what identifies the requester — the
/// same on every replica, so replicas sharing a Redis share one budget. Never from a replica's
/// own name, address or start time.
public struct RateLimitKey: Sendable, Hashable {
    /// The route's `name`.
    public var route: String
    /// `api_key:partner-acme`, `signature:billing-bot`, `jwt:auth-es256`, or `ip:203.0.113.7`.
    public var client: String

    public init(route: String, client: String) {
        self.route = route
        self.client = client
    }

    /// The bucket of a verified credential, named as `X-Auth-Credential` names it
    /// (`api_key:<id>`, `signature:<keyid>`, `jwt:<kid>`; SPEC §3).
    public static func credential(route: String, credential: String) -> RateLimitKey {
        RateLimitKey(route: route, client: credential)
    }

    /// The bucket of a client address, on a public route (the audit record's `client`).
    public static func address(route: String, address: String) -> RateLimitKey {
        RateLimitKey(route: route, client: "ip:" + address)
    }
}
