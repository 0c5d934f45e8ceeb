/// `[token_endpoint]`: client-credentials token issuance and revocation (SPEC §8).
public struct TokenEndpointRules: Sendable, Equatable {
    public var path: String
    public var revokePath: String
    /// A `[[keys]]` id that has `private_key_file` (or, for HS*, its secret).
    public var signingKey: String
    /// The `iss` of issued tokens. Must equal the signing key's `issuer` when that key pins one;
    /// when the key is omitted it defaults to that issuer, else to `"gateway"`.
    public var issuer: String
    public var audience: String?
    /// The lifetime of issued tokens: `exp - iat` and `expires_in`. Whole seconds, from 1s to
    /// `maximumTTL`, and at most `jwt.max_lifetime` when that is set (`gateway check`).
    public var ttl: Duration
    /// `rate_limit` (with `burst`): token requests allowed per client address, counted before
    /// the client authenticates (so guessing secrets is limited too); nil = unlimited.
    public var rateLimit: RateLimitRule?

    /// The longest `ttl` accepted. An access token is a bearer credential, refused early only
    /// through a revocation lookup; a day bounds what a leaked one is worth.
    public static let maximumTTL = Duration.seconds(24 * 3600)

    public init(
        path: String = "/oauth/token",
        revokePath: String = "/oauth/revoke",
        signingKey: String,
        issuer: String = "gateway",
        audience: String? = nil,
        ttl: Duration = .seconds(900),
        rateLimit: RateLimitRule? = nil
    ) {
        self.path = path
        self.revokePath = revokePath
        self.signingKey = signingKey
        self.issuer = issuer
        self.audience = audience
        self.ttl = ttl
        self.rateLimit = rateLimit
    }
}
