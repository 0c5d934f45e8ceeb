import Foundation
import GatewayCredentials
import GatewayPolicy
import GatewayReplay
import GatewayRules
import GatewayTokens
import Testing

/// The life of a token across the endpoint, the policy and the replay store: issued, used,
/// revoked, refused; and signing-key rotation.
///
/// The store here is a set standing in for `NonceStore.record` / `contains` (which the replay
/// store gains separately): what is tested is that the endpoint records the key the policy looks
/// up, and how the proxy turns a hit into 401 `token_revoked`.
@Suite struct TokenLifecycleTests {
    /// What the proxy does with an allowance: the policy's decision, then the revocation lookup.
    static func outcome(
        _ policy: Policy,
        _ token: String,
        revoked: Set<NonceKey>,
        now: Int64 = TokenFixture.now
    ) -> String {
        switch decide(policy, "/orders/1", bearer: token, now: now) {
        case .deny(let denial):
            // A refusal from a later check waits for the lookup too (SPEC §9 "Order of checks").
            if let key = denial.revocationCheck, revoked.contains(key) { return DenyReason.tokenRevoked.rawValue }
            return denial.reason.rawValue
        case .allow(let allowance):
            if let key = allowance.revocationCheck, revoked.contains(key) { return DenyReason.tokenRevoked.rawValue }
            return "ok"
        }
    }

    @Test func issueUseRevokeRefused() throws {
        let fixture = try TokenFixture()
        let (policy, endpoint) = try fixture.load()
        var store: Set<NonceKey> = []
        let acme = try endpoint.issue()
        let globex = try endpoint.issue("globex", TokenFixture.globexSecret)
        #expect(Self.outcome(policy, acme, revoked: store) == "ok")

        let outcome = endpoint.answer(.revoke, tokenRequest([("token", acme)]))
        guard case .revokeThenRespond(let revocation) = outcome else { throw TestFailure("not revoked") }
        store.insert(revocation.key)
        #expect(revocation.response(after: .fresh).status == 200)

        #expect(Self.outcome(policy, acme, revoked: store) == "token_revoked")
        #expect(Self.outcome(policy, globex, revoked: store) == "ok")  // a second client's token is unaffected
        // A new token for the same client is a new jti.
        #expect(Self.outcome(policy, try endpoint.issue(now: TokenFixture.now + 1), revoked: store) == "ok")
        // The revocation survives a reload: a new policy looks up the same key.
        let (reloaded, _) = try fixture.load()
        #expect(Self.outcome(reloaded, acme, revoked: store) == "token_revoked")
    }

    @Test func aTokenSignedBeforeARotationWorksUntilItExpires() throws {
        let fixture = try TokenFixture()
        let (_, before) = try fixture.load(signingKey: "gw-es256")
        let old = try before.issue()

        // Switch signing_key to the Ed25519 key and reload; gw-es256 stays in [[keys]].
        let (policy, after) = try fixture.load(signingKey: "gw-ed25519")
        #expect(after.signingKeyID == "gw-ed25519")
        let new = try after.issue()
        #expect(try JWTVerifier(rules: fixture.rules(signingKey: "gw-ed25519")).verify(new).kid == "gw-ed25519")
        #expect(Self.outcome(policy, old, revoked: []) == "ok")
        #expect(Self.outcome(policy, new, revoked: []) == "ok")
        #expect(Self.outcome(policy, old, revoked: [], now: TokenFixture.now + 900 + 29) == "ok")
        #expect(Self.outcome(policy, old, revoked: [], now: TokenFixture.now + 900 + 30) == "token_expired")

        // The old key still has its private key: its tokens are still looked up, and can still be
        // revoked at the new endpoint.
        guard case .revokeThenRespond(let revocation) = after.answer(.revoke, tokenRequest([("token", old)])) else {
            throw TestFailure("a token of the previous signing key could not be revoked")
        }
        #expect(revocation.key.scope == "revoked:gw-es256")
        #expect(Self.outcome(policy, old, revoked: [revocation.key]) == "token_revoked")
        #expect(Self.outcome(policy, new, revoked: [revocation.key]) == "ok")
    }

    @Test func theEndpointNeedsItsSigningKey() throws {
        let fixture = try TokenFixture()
        var rules = fixture.rules()
        #expect(try TokenEndpoint(rules: Rules(sourcePath: "x"), apiKeys: try APIKeyTable([])) == nil)
        rules.keys[0].privateKeyFile = nil
        do {
            _ = try TokenEndpoint(rules: rules, apiKeys: try APIKeyTable([]))
            Issue.record("an endpoint was built without a private key")
        } catch {
            #expect(error.problems.map(\.keyPath) == ["keys[1](gw-es256).private_key_file"])
        }
    }
}
