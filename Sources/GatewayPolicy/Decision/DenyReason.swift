/// The reason codes of SPEC §3: what a denial (or a failed forward) says in its JSON body, in
/// the audit record and in the `gateway_requests_total` metric. The raw values are fixed.
public enum DenyReason: String, Error, Sendable, Hashable, CaseIterable {
    // 400
    case badRequest = "bad_request"
    case badPath = "bad_path"
    case malformedCredential = "malformed_credential"
    // 401
    case missingCredential = "missing_credential"
    case badSignature = "bad_signature"
    case unknownKey = "unknown_key"
    case algNotAllowed = "alg_not_allowed"
    case tokenExpired = "token_expired"
    case tokenNotYetValid = "token_not_yet_valid"
    case tokenIssuedInFuture = "token_issued_in_future"
    case missingClaim = "missing_claim"
    case wrongIssuer = "wrong_issuer"
    case tokenRevoked = "token_revoked"
    case keyRevoked = "key_revoked"
    case keyExpired = "key_expired"
    case replayProtectionRequired = "replay_protection_required"
    case timestampOutOfWindow = "timestamp_out_of_window"
    case replayedNonce = "replayed_nonce"
    case digestMismatch = "digest_mismatch"
    /// SPEC §10: a DPoP proof that is missing, repeated, malformed, wrongly typed or signed, or
    /// does not match the request, the token or the clock (RFC 9449 §7.1).
    case invalidDpopProof = "invalid_dpop_proof"
    /// SPEC §10: a DPoP-bound token presented as a bearer token, or a credential other than a
    /// DPoP-bound token on a `dpop = "required"` route.
    case dpopRequired = "dpop_required"
    // 403
    case insufficientScope = "insufficient_scope"
    case wrongAudience = "wrong_audience"
    // 404 / 405
    case noRoute = "no_route"
    case methodNotAllowed = "method_not_allowed"
    // protocol limits
    case headerTimeout = "header_timeout"
    case bodyTooLarge = "body_too_large"
    case uriTooLong = "uri_too_long"
    case headersTooLarge = "headers_too_large"
    case rateLimited = "rate_limited"
    case notImplemented = "not_implemented"
    // 5xx
    case upstreamUnavailable = "upstream_unavailable"
    case replayStoreFull = "replay_store_full"
    case replayStoreUnavailable = "replay_store_unavailable"
    case overloaded = "overloaded"
    case shuttingDown = "shutting_down"
    case upstreamTimeout = "upstream_timeout"
    // token endpoint (SPEC §8, RFC 6749 §5.2)
    case invalidClient = "invalid_client"
    case invalidScope = "invalid_scope"
    case invalidRequest = "invalid_request"
    case unsupportedGrantType = "unsupported_grant_type"
    case unauthorizedClient = "unauthorized_client"

    /// Whether the reason is answered with a `WWW-Authenticate: DPoP` challenge (SPEC §10,
    /// RFC 9449 §7.1) rather than a `Bearer` one.
    public var isDPoPChallenge: Bool { self == .invalidDpopProof || self == .dpopRequired }

    /// The HTTP status SPEC §3 assigns to the reason.
    public var status: Int {
        switch self {
        case .badRequest, .badPath, .malformedCredential: return 400
        case .missingCredential, .badSignature, .unknownKey, .algNotAllowed, .tokenExpired, .tokenNotYetValid,
            .tokenIssuedInFuture, .missingClaim, .wrongIssuer, .tokenRevoked, .keyRevoked, .keyExpired,
            .replayProtectionRequired, .timestampOutOfWindow, .replayedNonce, .digestMismatch, .invalidDpopProof,
            .dpopRequired:
            return 401
        case .insufficientScope, .wrongAudience: return 403
        case .noRoute: return 404
        case .methodNotAllowed: return 405
        case .headerTimeout: return 408
        case .bodyTooLarge: return 413
        case .uriTooLong: return 414
        case .headersTooLarge: return 431
        case .rateLimited: return 429
        case .notImplemented: return 501
        case .upstreamUnavailable: return 502
        case .replayStoreFull, .replayStoreUnavailable, .overloaded, .shuttingDown: return 503
        case .upstreamTimeout: return 504
        case .invalidClient: return 401
        case .invalidScope, .invalidRequest, .unsupportedGrantType, .unauthorizedClient: return 400
        }
    }

    /// A short human sentence for the JSON body's `message`; never contains request data.
    public var defaultMessage: String {
        switch self {
        case .badRequest: return "The request is malformed."
        case .badPath: return "The request path is not acceptable."
        case .malformedCredential: return "The credential is malformed."
        case .missingCredential: return "This route requires a credential."
        case .badSignature: return "The credential's signature does not verify."
        case .unknownKey: return "The credential names no known key."
        case .algNotAllowed: return "The credential's algorithm is not allowed for its key."
        case .tokenExpired: return "The token has expired."
        case .tokenNotYetValid: return "The token is not valid yet."
        case .tokenIssuedInFuture: return "The token was issued in the future."
        case .missingClaim: return "The token lacks a required claim."
        case .wrongIssuer: return "The token's issuer is not accepted."
        case .tokenRevoked: return "The token has been revoked."
        case .keyRevoked: return "The API key has been revoked."
        case .keyExpired: return "The API key has expired."
        case .replayProtectionRequired: return "This route requires a replay-protected credential."
        case .timestampOutOfWindow: return "The credential's timestamp is outside the accepted window."
        case .replayedNonce: return "The credential has already been used."
        case .digestMismatch: return "The body does not match its digest."
        case .invalidDpopProof: return "The DPoP proof is not valid for this request."
        case .dpopRequired: return "This request requires a DPoP-bound token and its proof."
        case .insufficientScope: return "The credential lacks a required scope."
        case .wrongAudience: return "The token is not meant for this audience."
        case .noRoute: return "No route matches the request."
        case .methodNotAllowed: return "The method is not allowed on this route."
        case .headerTimeout: return "The request head did not arrive in time."
        case .bodyTooLarge: return "The request body is too large."
        case .uriTooLong: return "The request target is too long."
        case .headersTooLarge: return "The request head is too large."
        case .rateLimited: return "Too many requests."
        case .notImplemented: return "The request uses a feature the gateway does not implement."
        case .upstreamUnavailable: return "The upstream service is unavailable."
        case .replayStoreFull: return "The replay store is full."
        case .replayStoreUnavailable: return "The replay store is unavailable."
        case .overloaded: return "The gateway is overloaded."
        case .shuttingDown: return "The gateway is shutting down."
        case .upstreamTimeout: return "The upstream service did not answer in time."
        case .invalidClient: return "Client authentication failed."
        case .invalidScope: return "The requested scope is not allowed."
        case .invalidRequest: return "The token request is malformed."
        case .unsupportedGrantType: return "The grant type is not supported."
        case .unauthorizedClient: return "The client may not perform this operation."
        }
    }
}
