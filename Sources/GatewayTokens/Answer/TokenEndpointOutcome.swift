/// What the proxy does with one request to the token endpoint's paths (`TokenEndpoint.answer`).
///
/// How the proxy performs it:
/// - `.respond(response)`: write `response` (status, headers, body) and audit it.
/// - `.revokeThenRespond(revocation)`: call `NonceStore.record(revocation.key, expiresAt:
///   revocation.expiresAt, now:, on:)` — on the replay store current for the request, which
///   survives reloads and is shared by replicas with Redis — then write and audit
///   `revocation.response(after: outcome)`. A pending (networked) store completes on the
///   connection's event loop as for a nonce claim.
///
/// Either way the audit record takes `decision`, `reason`, `credential`, `subject`, `scopes` and
/// `jti` from the response's `TokenAudit` (`credential` is `{"kind":"api_key","id":…}` from
/// `identity.kind` and `identity.id`, or null); `route` and `upstream` are null and
/// `upstream_us` is null. Nothing else of the request — neither its `Authorization` value nor its
/// body — may be logged: they hold the client's secret and, on revocation, a token.
public enum TokenEndpointOutcome: Sendable {
    case respond(TokenEndpointResponse)
    case revokeThenRespond(TokenRevocation)

    /// The response written when nothing (more) goes wrong: for a revocation, the one after the
    /// store recorded it.
    public var response: TokenEndpointResponse {
        switch self {
        case .respond(let response): return response
        case .revokeThenRespond(let revocation): return revocation.response
        }
    }
}
