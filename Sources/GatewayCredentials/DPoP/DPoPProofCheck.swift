/// One of the checks a DPoP proof goes through at the resource server (RFC 9449 §4.3, §7.1),
/// in the order `DPoPProofVerifier` runs them; `gateway explain` lists them under these names.
///
/// A struct over a private enum (as swift-nio's extensible enums are), so a check can be added
/// without breaking a caller's `switch`.
public struct DPoPProofCheck: Sendable, Hashable, CustomStringConvertible {
    private enum Base: Sendable, Hashable {
        case form, type, algorithm, key, signature, claims, method, uri, time, tokenHash, binding
    }

    private let base: Base

    private init(_ base: Base) {
        self.base = base
    }

    /// §4.3 step 2: at most `maxProofBytes`, three base64url parts, a JOSE header that is a JSON
    /// object without duplicate member names and without `crit`.
    public static let form = Self(.form)
    /// Step 4: `typ` is `dpop+jwt`.
    public static let type = Self(.type)
    /// Step 5: `alg` is asymmetric and one of `[dpop] algs`.
    public static let algorithm = Self(.algorithm)
    /// Step 7 (and 6's key): `jwk` is a public key of the kind `alg` needs, with no private member.
    public static let key = Self(.key)
    /// Step 6: the signature verifies with `jwk`.
    public static let signature = Self(.signature)
    /// Step 3: the claims set is a JSON object without duplicates, holding `jti`, `htm`, `htu`
    /// and `iat` of the right types.
    public static let claims = Self(.claims)
    /// Step 8: `htm` is the request's method.
    public static let method = Self(.method)
    /// Step 9: `htu` is the request's target URI, query and fragment ignored.
    public static let uri = Self(.uri)
    /// Step 11: `iat` is within the window of now, both ways.
    public static let time = Self(.time)
    /// Step 12 (§7.1): `ath` is present and is the base64url SHA-256 of the access token.
    public static let tokenHash = Self(.tokenHash)
    /// Step 12 (§7.1): the `jwk`'s thumbprint is the token's `cnf.jkt`.
    public static let binding = Self(.binding)

    /// Every check, in the order they run.
    public static let allInOrder: [DPoPProofCheck] = [
        .form, .type, .algorithm, .key, .signature, .claims, .method, .uri, .time, .tokenHash, .binding,
    ]

    /// The check's short name: the JOSE member it is about where there is one.
    public var description: String {
        switch self.base {
        case .form: return "form"
        case .type: return "typ"
        case .algorithm: return "alg"
        case .key: return "jwk"
        case .signature: return "signature"
        case .claims: return "claims"
        case .method: return "htm"
        case .uri: return "htu"
        case .time: return "iat"
        case .tokenHash: return "ath"
        case .binding: return "jkt"
        }
    }
}
