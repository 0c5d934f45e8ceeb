public import GatewayPolicy

/// What the audit record of a token-endpoint request shows (SPEC §5, §8: "audited like any
/// request, without the secrets").
///
/// - `decision` / `reason`: `allow` / `ok` for a token issued or a revocation request answered
///   200 (whether or not there was anything to revoke), else `deny` and the SPEC §3 code:
///   `invalid_request`, `invalid_client`, `invalid_scope`, `unsupported_grant_type`,
///   `unauthorized_client`, `method_not_allowed` (405), `body_too_large` (413), or, when the replay
///   store refused a revocation, `replay_store_full` / `replay_store_unavailable`.
/// - `identity`: the authenticated client — `credential` `{"kind":"api_key","id":<key id>}`,
///   `subject` the key's subject, `scopes` the scopes granted (`[]` for a refusal or a
///   revocation), `jti` the issued or revoked token's `jti` (an identifier, not a secret). Nil
///   until the client authenticated: the presented client id is not trusted enough to be shown.
///
/// It never holds a secret, a token, or anything the client sent that was not verified.
public struct TokenAudit: Sendable, Equatable {
    /// Nil for `ok`.
    public var reason: DenyReason?
    public var identity: Identity?

    public init(reason: DenyReason?, identity: Identity?) {
        self.reason = reason
        self.identity = identity
    }

    /// `allow` or `deny`.
    public var decision: String { self.reason == nil ? "allow" : "deny" }

    /// `ok` or the SPEC §3 reason code.
    public var reasonCode: String { self.reason?.rawValue ?? "ok" }
}
