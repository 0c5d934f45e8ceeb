/// A validated rules file: every value of SPEC §2, resolved and checked.
///
/// `Rules` is immutable once loaded. Relative paths are already resolved against the rules
/// file's folder and secrets are already read, so later stages never touch the environment.
public struct Rules: Sendable {
    /// The rules file this was loaded from (as given on the command line).
    public var sourcePath: String
    public var server: ServerRules
    /// `[admin]`; nil when absent (the admin listener is off).
    public var admin: AdminRules?
    public var audit: AuditRules
    public var jwt: JWTRules
    public var replay: ReplayRules
    /// `[dpop]`: accepted proof algorithms and the proof window (SPEC §10).
    public var dpop: DPoPRules
    /// `[[keys]]`: JWT verification keys, in file order.
    public var keys: [KeyRule]
    /// `[[jwks]]`: JWK Sets, in file order.
    public var jwks: [JWKSRule]
    /// `[[api_keys]]`, inline ones first, then those of `api_keys_file`.
    public var apiKeys: [APIKeyRule]
    /// `[[signing_keys]]`: RFC 9421 keys.
    public var signingKeys: [SigningKeyRule]
    public var upstreams: [UpstreamRule]
    /// `[[routes]]`, in file order (the order breaks routing ties).
    public var routes: [RouteRule]
    /// `[token_endpoint]`; nil when absent.
    public var tokenEndpoint: TokenEndpointRules?

    public init(
        sourcePath: String,
        server: ServerRules = ServerRules(),
        admin: AdminRules? = nil,
        audit: AuditRules = AuditRules(),
        jwt: JWTRules = JWTRules(),
        replay: ReplayRules = ReplayRules(),
        dpop: DPoPRules = DPoPRules(),
        keys: [KeyRule] = [],
        jwks: [JWKSRule] = [],
        apiKeys: [APIKeyRule] = [],
        signingKeys: [SigningKeyRule] = [],
        upstreams: [UpstreamRule] = [],
        routes: [RouteRule] = [],
        tokenEndpoint: TokenEndpointRules? = nil
    ) {
        self.sourcePath = sourcePath
        self.server = server
        self.admin = admin
        self.audit = audit
        self.jwt = jwt
        self.replay = replay
        self.dpop = dpop
        self.keys = keys
        self.jwks = jwks
        self.apiKeys = apiKeys
        self.signingKeys = signingKeys
        self.upstreams = upstreams
        self.routes = routes
        self.tokenEndpoint = tokenEndpoint
    }

    /// How far a DPoP proof's `iat` may be from now: `dpop.window`, else `replay.window`.
    public var dpopWindow: Duration { self.dpop.window ?? self.replay.window }

    /// Every claim name some route's `claims_to_headers` asks for, each once, in file order: what
    /// the JWT verifier extracts from a token's claims set (and no more).
    public var headerClaimNames: [String] {
        var names: [String] = []
        for route in self.routes {
            for entry in route.claimsToHeaders where !names.contains(entry.claim) { names.append(entry.claim) }
        }
        return names
    }

    /// The upstream a route names; validation guarantees it exists.
    public func upstream(named name: String) -> UpstreamRule? {
        self.upstreams.first { $0.name == name }
    }
}
