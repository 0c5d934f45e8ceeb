/// `[jwt]`: claim checks shared by every JWT key.
public struct JWTRules: Sendable, Equatable {
    /// Clock skew allowed on `exp`, `nbf` and `iat`.
    public var leeway: Duration
    public var requireExp: Bool
    /// Claims tried in order; the first present one gives the scopes.
    public var scopeClaims: [String]
    /// One revoked `jti` per line (path resolved).
    public var revokedFile: String?
    /// Refuse tokens whose `exp - iat` exceeds it.
    public var maxLifetime: Duration?

    public init(
        leeway: Duration = .seconds(30),
        requireExp: Bool = true,
        scopeClaims: [String] = ["scope", "scp"],
        revokedFile: String? = nil,
        maxLifetime: Duration? = nil
    ) {
        self.leeway = leeway
        self.requireExp = requireExp
        self.scopeClaims = scopeClaims
        self.revokedFile = revokedFile
        self.maxLifetime = maxLifetime
    }
}
