public import GatewayRules
import GatewayValues

/// A JWT whose signature verified with a configured key, and the claims the policy checks.
///
/// Produced only after the signature check (RFC 7519 §7.2: claims are read from a validated
/// JWS); nothing in it has been judged against the clock, issuer, audience or scopes — that is
/// the policy's job (SPEC §9 checks 5–8), and it runs on every request, cached token or not.
///
/// Its fields live in one shared object (`CopyOnWrite`): a token cache hit hands out a copy on
/// every request, which inline retained each of the token's strings and arrays (eleven
/// references), and now retains one.
public struct VerifiedToken: Sendable, Hashable {
    private var fields: CopyOnWrite<Fields>

    public init(
        kid: String,
        alg: JWTAlgorithm,
        claims: JWTClaims,
        keyIssuer: String? = nil,
        keyAudiences: [String] = [],
        headerClaims: [String: String] = [:]
    ) {
        self.fields = CopyOnWrite(
            Fields(
                kid: kid,
                alg: alg,
                claims: claims,
                keyIssuer: keyIssuer,
                keyAudiences: keyAudiences,
                headerClaims: headerClaims
            )
        )
    }

    /// The header's `kid`: the configured key that verified the token (`X-Auth-Credential: jwt:<kid>`).
    public var kid: String {
        _read { yield self.fields.value.kid }
        _modify { yield &self.fields.value.kid }
    }

    /// The key's pinned algorithm, which the header's `alg` equalled.
    public var alg: JWTAlgorithm {
        _read { yield self.fields.value.alg }
        _modify { yield &self.fields.value.alg }
    }

    public var claims: JWTClaims {
        _read { yield self.fields.value.claims }
        _modify { yield &self.fields.value.claims }
    }

    /// The `issuer` of the `[[keys]]` / `[[jwks]]` entry the key came from: if set, `iss` must
    /// equal it (SPEC §2; a token without `iss` is `wrong_issuer`, SPEC §9).
    public var keyIssuer: String? {
        _read { yield self.fields.value.keyIssuer }
        _modify { yield &self.fields.value.keyIssuer }
    }

    /// The `audiences` of that entry: if non-empty, `aud` must contain one.
    public var keyAudiences: [String] {
        _read { yield self.fields.value.keyAudiences }
        _modify { yield &self.fields.value.keyAudiences }
    }

    /// The claims some route's `claims_to_headers` names, by claim name, already as header values
    /// (SPEC §10): a string as is, a number or boolean as its JSON text, an array of strings
    /// joined with single spaces; control characters (CR, LF, NUL, …) replaced by spaces. A claim
    /// that is absent, or of another type, has no entry. Only the names the rules ask for are
    /// extracted, so a cached token stays small; empty when no route asks for any.
    public var headerClaims: [String: String] {
        _read { yield self.fields.value.headerClaims }
        _modify { yield &self.fields.value.headerClaims }
    }

    private struct Fields: Sendable, Hashable {
        var kid: String
        var alg: JWTAlgorithm
        var claims: JWTClaims
        var keyIssuer: String?
        var keyAudiences: [String]
        var headerClaims: [String: String]
    }
}

/// The registered claims of RFC 7519 §4.1 and the scopes, as the token carried them.
///
/// An absent claim is nil (an absent `aud` is nil, an empty array is `[]`), so `exp == nil`
/// is the "missing `exp`" the policy turns into `missing_claim`.
///
/// Times are whole seconds since 1970 (`Int64`, the policy's clock unit). RFC 7519 §2 lets a
/// NumericDate be fractional; a fraction is rounded so the token is valid for less time, never
/// more: `exp` down, `nbf` and `iat` up (so an `iat` of 10.2 is treated as issued at 11).
public struct JWTClaims: Sendable, Hashable {
    /// `iss` (RFC 7519 §4.1.1).
    public var iss: String?
    /// `sub` (§4.1.2).
    public var sub: String?
    /// `aud` (§4.1.3): a single string is given as a one-element array.
    public var aud: [String]?
    /// `exp` (§4.1.4), rounded down.
    public var exp: Int64?
    /// `nbf` (§4.1.5), rounded up.
    public var nbf: Int64?
    /// `iat` (§4.1.6), rounded up.
    public var iat: Int64?
    /// `jti` (§4.1.7).
    public var jti: String?
    /// From the first of `[jwt] scope_claims` the token has: a space-separated string
    /// (RFC 8693 §4.2 `scope`) or an array of strings (`scp`, `scopes`). Empty when none is present.
    public var scopes: [String]
    /// Which claim gave `scopes`; nil when the token has none of `scope_claims`.
    public var scopeClaim: String?
    /// `cnf.jkt` (RFC 9449 §6.1, RFC 7800 §3.1): the base64url RFC 7638 SHA-256 thumbprint of the
    /// key the token is bound to. A token that has it is DPoP-bound: it passes only with a proof
    /// signed by that key (SPEC §10). Nil when the token has no `cnf`, or a `cnf` without `jkt`.
    public var jkt: String?

    public init(
        iss: String? = nil,
        sub: String? = nil,
        aud: [String]? = nil,
        exp: Int64? = nil,
        nbf: Int64? = nil,
        iat: Int64? = nil,
        jti: String? = nil,
        scopes: [String] = [],
        scopeClaim: String? = nil,
        jkt: String? = nil
    ) {
        self.iss = iss
        self.sub = sub
        self.aud = aud
        self.exp = exp
        self.nbf = nbf
        self.iat = iat
        self.jti = jti
        self.scopes = scopes
        self.scopeClaim = scopeClaim
        self.jkt = jkt
    }
}
