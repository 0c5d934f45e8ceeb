import GatewayPolicy

/// A refused token or revocation request: its SPEC §3 reason (status and audit `reason`), the
/// RFC 6749 §5.2 `error` it shows, and a fixed description.
///
/// The description is a `StaticString`: no request data — a secret, a token, a client id that
/// may be a pasted secret — can reach a response or a log through it. Every description keeps to
/// RFC 6749 §5.2's `error_description` characters (%x20-21 / %x23-5B / %x5D-7E: printable ASCII
/// without `"` and `\`).
struct TokenError: Error, Sendable {
    let reason: DenyReason
    let description: StaticString

    private init(_ reason: DenyReason, _ description: StaticString) {
        self.reason = reason
        self.description = description
    }

    /// RFC 6749 §5.2 `invalid_request` (400): missing, repeated or malformed parameters, several
    /// authentication methods, a body that is not a form.
    static func invalidRequest(_ description: StaticString) -> TokenError { .init(.invalidRequest, description) }
    /// `invalid_client` (401): unknown client, wrong secret, disabled or expired key, no or an
    /// unsupported client authentication.
    static func invalidClient(_ description: StaticString) -> TokenError { .init(.invalidClient, description) }
    /// `invalid_scope` (400): a scope the key does not have, or a malformed scope.
    static func invalidScope(_ description: StaticString) -> TokenError { .init(.invalidScope, description) }
    /// `unsupported_grant_type` (400).
    static func unsupportedGrantType(_ description: StaticString) -> TokenError {
        .init(.unsupportedGrantType, description)
    }
    /// `unauthorized_client` (400): RFC 7009 §2.1, a token issued to another client.
    static func unauthorizedClient(_ description: StaticString) -> TokenError {
        .init(.unauthorizedClient, description)
    }
    /// 405 `method_not_allowed`, shown as `invalid_request` (RFC 6749 §3.2: POST only).
    static let methodNotAllowed = TokenError(.methodNotAllowed, "the token and revocation endpoints accept POST only")
    /// 413 `body_too_large`, shown as `invalid_request`.
    static let bodyTooLarge = TokenError(.bodyTooLarge, "the request body is too large")
    /// 503 `overloaded`, shown as `temporarily_unavailable`: the signature could not be made.
    static let signingFailed = TokenError(.overloaded, "the token could not be signed; try again later")
    /// 503 `replay_store_full` / `replay_store_unavailable`, shown as `temporarily_unavailable`
    /// (RFC 7009 §2.2.1: the client may retry after a while).
    static func storeRefused(_ reason: DenyReason) -> TokenError {
        .init(reason, "the revocation could not be recorded; try again later")
    }

    /// The RFC 6749 §5.2 `error` code.
    var oauthError: String {
        switch self.reason {
        case .invalidRequest, .invalidClient, .invalidScope, .unsupportedGrantType, .unauthorizedClient:
            return self.reason.rawValue
        case .overloaded, .replayStoreFull, .replayStoreUnavailable:
            // RFC 6749 §4.1.2.1's code for a server that cannot answer for now.
            return "temporarily_unavailable"
        default:
            return "invalid_request"
        }
    }
}
