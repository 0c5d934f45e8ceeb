/// A nonce as the replay store sees it: the value a credential carried, scoped to the key that
/// vouched for it (SPEC §4: "not seen for the same `keyid`", "for the same key").
///
/// `scope` names the credential kind and key — `signature:billing-bot`, `jwt:auth-es256`, and
/// `revoked:gw-es256` for revoked tokens — so a nonce reused under another key is a different
/// entry. Build the scope once per configured key and reuse the string: a `NonceKey` then costs
/// no allocation.
///
/// The memory store keeps a fixed-size keyed digest of the two strings, never the strings
/// themselves; a networked store may keep or hash them as it needs.
public struct NonceKey: Sendable, Hashable {
    public var scope: String
    public var value: String

    @inlinable
    public init(scope: String, value: String) {
        self.scope = scope
        self.value = value
    }

    /// `signature:<keyid>`: a signed request's `nonce` (RFC 9421 §2.3).
    public static func signature(keyID: String, nonce: String) -> NonceKey {
        NonceKey(scope: "signature:" + keyID, value: nonce)
    }

    /// `jwt:<kid>`: a JWT's `jti` (RFC 7519 §4.1.7).
    public static func jwt(keyID: String, jti: String) -> NonceKey {
        NonceKey(scope: "jwt:" + keyID, value: jti)
    }

    /// `revoked:<kid>`, the scope of the `jti`s revoked at the token endpoint (RFC 7009; SPEC §9
    /// "Token endpoint") among tokens signed by key `kid`. Apart from `jwt:<kid>`, so a revocation
    /// is never mistaken for a replay-window entry of the same `jti`, nor the reverse.
    public static func revokedScope(keyID: String) -> String {
        "revoked:" + keyID
    }

    /// A revoked token's `jti` under the key that signed it: recorded by the token endpoint until
    /// the token's `exp` plus `jwt.leeway`, looked up for every request bearing such a token.
    public static func revoked(keyID: String, jti: String) -> NonceKey {
        NonceKey(scope: Self.revokedScope(keyID: keyID), value: jti)
    }
}
