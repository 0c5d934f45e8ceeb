public import GatewayRules

/// A DPoP proof that passed every check of RFC 9449 §4.3 for one request.
///
/// Never cached: a proof is single-use, and its `jti` must be recorded (per `jkt`, until
/// `iat` + window) before the request is forwarded, so that a second use is `replayed_nonce`.
public struct VerifiedDPoPProof: Sendable, Hashable {
    /// The RFC 7638 SHA-256 thumbprint of the proof's `jwk`, base64url: the token's `cnf.jkt`.
    public var jkt: String
    /// The proof's `jti` (RFC 9449 §4.2): the value the replay store records.
    public var jti: String
    /// The proof's `iat`, seconds since 1970.
    public var iat: Int64
    /// The proof's `alg`.
    public var algorithm: JWTAlgorithm

    public init(jkt: String, jti: String, iat: Int64, algorithm: JWTAlgorithm) {
        self.jkt = jkt
        self.jti = jti
        self.iat = iat
        self.algorithm = algorithm
    }
}
