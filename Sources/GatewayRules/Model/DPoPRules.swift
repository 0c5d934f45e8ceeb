/// `[dpop]`: the DPoP proofs (RFC 9449) the gateway accepts as a resource server (SPEC §10).
public struct DPoPRules: Sendable, Equatable {
    /// `algs` when the table does not say: one of each family a client is likely to hold.
    public static let defaultAlgorithms: [JWTAlgorithm] = [.es256, .eddsa, .rs256, .ps256]

    /// The proof algorithms accepted, in the order the `WWW-Authenticate: DPoP algs="…"`
    /// challenge lists them (RFC 9449 §7.1). Asymmetric only: a proof is signed with the
    /// client's private key and verified with the public key it carries (RFC 9449 §4.2), so an
    /// HMAC algorithm can never appear here.
    public var algorithms: [JWTAlgorithm]
    /// A proof's `iat` must be within this of now, both ways (RFC 9449 §4.3 step 11, §11.1);
    /// nil means `replay.window` (see `Rules.dpopWindow`).
    public var window: Duration?

    public init(algorithms: [JWTAlgorithm] = DPoPRules.defaultAlgorithms, window: Duration? = nil) {
        self.algorithms = algorithms
        self.window = window
    }
}

/// A route's `dpop` key (SPEC §10).
public enum DPoPRequirement: String, Sendable, Hashable {
    /// A DPoP-bound token needs its proof; plain bearer tokens (and other credentials) still pass.
    case optional
    /// Only a DPoP-bound JWT presented with the `DPoP` scheme and a valid proof passes.
    case required
}

/// One entry of a route's `claims_to_headers`: the upstream header `name` carries the verified
/// JWT's claim `claim` (SPEC §10).
public struct ClaimHeader: Sendable, Hashable {
    /// The header field name, as written (validated: a token, not reserved).
    public var name: String
    /// The claim name in the token's claims set.
    public var claim: String

    public init(name: String, claim: String) {
        self.name = name
        self.claim = claim
    }
}
