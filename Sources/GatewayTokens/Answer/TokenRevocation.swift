import GatewayPolicy
public import GatewayReplay

/// A revocation the proxy must record in the replay store before it answers (RFC 7009 §2.1,
/// SPEC §9 "Token endpoint").
///
/// The proxy calls `NonceStore.record(key, expiresAt: expiresAt, now:, on:)` and writes
/// `response(after:)` of the store's answer: 200 once recorded; 503 `replay_store_full` or
/// `replay_store_unavailable` when the store refused or could not be asked — the token then
/// stays valid, and the client may retry (RFC 7009 §2.2.1).
public struct TokenRevocation: Sendable {
    /// `revoked:<kid>` / `jti` (`NonceKey.revoked`): what `Allowance.revocationCheck` looks up.
    public var key: NonceKey
    /// The token's `exp` plus `jwt.leeway`: after it the token is refused as expired anyway.
    public var expiresAt: Int64
    /// The answer once the revocation is recorded.
    public var response: TokenEndpointResponse

    public init(key: NonceKey, expiresAt: Int64, response: TokenEndpointResponse) {
        self.key = key
        self.expiresAt = expiresAt
        self.response = response
    }

    /// The answer after the store's `record`: `response` for `.fresh` (and for `.replayed`, which
    /// `record` never answers: the token is revoked either way), else a 503 with the store's
    /// reason and the same audited identity.
    public func response(after outcome: ReplayOutcome) -> TokenEndpointResponse {
        switch outcome {
        case .fresh, .replayed:
            return self.response
        case .full:
            return .refused(.storeRefused(.replayStoreFull), identity: self.response.audit.identity)
        case .unavailable:
            return .refused(.storeRefused(.replayStoreUnavailable), identity: self.response.audit.identity)
        }
    }
}
