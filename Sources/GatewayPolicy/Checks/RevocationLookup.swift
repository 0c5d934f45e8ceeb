import GatewayReplay
import GatewayRules

/// Which verified JWTs need a revocation lookup in the replay store, and under which key
/// (SPEC §9 "Token endpoint": only tokens the token endpoint could have issued can be revoked
/// there, so only those are looked up).
///
/// The keys are the endpoint's `signing_key` and every other `[[keys]]` entry with a
/// `private_key_file`: after a signing-key rotation the previous key keeps verifying the tokens it
/// signed until they expire, and a token revoked before the rotation must stay revoked. Without
/// `[token_endpoint]` nothing is looked up. A token without `jti` cannot be revoked and needs no
/// lookup (the endpoint always writes one).
///
/// The scope strings are built once per rules load; a lookup key costs no allocation beyond the
/// `jti` the claims already hold.
struct RevocationLookup: Sendable {
    /// `kid` → `revoked:<kid>`.
    private let scopes: [String: String]

    init(rules: Rules) {
        guard let endpoint = rules.tokenEndpoint else {
            self.scopes = [:]
            return
        }
        var scopes: [String: String] = [:]
        for key in rules.keys where key.privateKeyFile != nil || key.id == endpoint.signingKey {
            scopes[key.id] = NonceKey.revokedScope(keyID: key.id)
        }
        self.scopes = scopes
    }

    /// The store key to look up for a JWT that passed checks 2–7; nil when it needs none.
    @inline(__always)
    func key(forKeyID kid: String, jti: String?) -> NonceKey? {
        guard !self.scopes.isEmpty, let jti, let scope = self.scopes[kid] else { return nil }
        return NonceKey(scope: scope, value: jti)
    }
}
