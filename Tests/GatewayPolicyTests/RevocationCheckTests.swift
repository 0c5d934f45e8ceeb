import Foundation
import GatewayCredentials
import GatewayPolicy
import GatewayReplay
import GatewayRules
import NIOHTTP1
import Testing

/// SPEC §9 "Token endpoint": only tokens signed by a key the token endpoint signs with need a
/// revocation lookup; `Allowance.revocationCheck` names the replay-store key to look up.
@Suite struct RevocationCheckTests {
    static let now: Int64 = 1_800_000_000
    static let gatewaySecret = Array("the-gateway-signs-with-this-32-byte-secret".utf8)
    static let partnerSecret = Array("a-partner-signs-with-this-other-32b-secret".utf8)
    static let apiKey = "gk_revocation_test_key_0123456789abcdef"

    static func rules(endpoint: Bool) -> Rules {
        Rules(
            sourcePath: "test.conf",
            keys: [
                KeyRule(
                    id: "gw-hs256",
                    alg: .hs256,
                    material: .secret(Secret(bytes: Self.gatewaySecret, source: .inline))
                ),
                KeyRule(
                    id: "partner",
                    alg: .hs256,
                    material: .secret(Secret(bytes: Self.partnerSecret, source: .inline))
                ),
            ],
            apiKeys: [APIKeyRule(id: "acme", hash: APIKeyGenerator.hash(of: Self.apiKey), scopes: ["orders:read"])],
            upstreams: [UpstreamRule(name: "up", targets: [UpstreamTarget(host: "127.0.0.1", port: 9)])],
            routes: [
                RouteRule(name: "orders", path: .prefix("/orders"), upstream: "up", scopes: ["orders:read"]),
                RouteRule(name: "keys-only", path: .prefix("/keys"), upstream: "up", auth: [.apiKey]),
            ],
            tokenEndpoint: endpoint ? TokenEndpointRules(signingKey: "gw-hs256") : nil
        )
    }

    static func token(kid: String, secret: [UInt8], jti: String?) throws -> String {
        try JWTSigner(algorithm: .hs256, secret: secret, keyID: kid).sign(
            JWTClaims(sub: "acme", exp: Self.now + 600, iat: Self.now, jti: jti, scopes: ["orders:read"])
        )
    }

    static func allowance(
        _ policy: Policy,
        _ path: String,
        _ headers: [(String, String)],
        cache: PolicyTokenCache? = nil
    ) throws -> Allowance {
        let decision = policy.decide(
            PolicyRequest(method: .GET, target: path, host: "api.example", headers: HTTPHeaders(headers)),
            context: PolicyContext(now: Self.now, tokenCache: cache)
        )
        guard case .allow(let allowance) = decision else { throw TestFailure("denied: \(decision)") }
        return allowance
    }

    @Test func aTokenOfTheSigningKeyNeedsALookup() throws {
        let policy = try Policy(rules: Self.rules(endpoint: true))
        let token = try Self.token(kid: "gw-hs256", secret: Self.gatewaySecret, jti: "jti-1")
        let cache = PolicyTokenCache(capacity: 16)
        for _ in 0..<2 {  // cold, then from the cache
            let allowance = try Self.allowance(
                policy,
                "/orders/1",
                [("Authorization", "Bearer \(token)")],
                cache: cache
            )
            #expect(allowance.revocationCheck == NonceKey(scope: "revoked:gw-hs256", value: "jti-1"))
            #expect(allowance.revocationCheck == NonceKey.revoked(keyID: "gw-hs256", jti: "jti-1"))
        }
    }

    @Test func otherKeysTokensWithoutJTIAndOtherCredentialsNeedNone() throws {
        let policy = try Policy(rules: Self.rules(endpoint: true))
        let partner = try Self.token(kid: "partner", secret: Self.partnerSecret, jti: "jti-2")
        #expect(
            try Self.allowance(policy, "/orders/1", [("Authorization", "Bearer \(partner)")]).revocationCheck == nil
        )
        let withoutJTI = try Self.token(kid: "gw-hs256", secret: Self.gatewaySecret, jti: nil)
        #expect(
            try Self.allowance(policy, "/orders/1", [("Authorization", "Bearer \(withoutJTI)")]).revocationCheck == nil
        )
        #expect(try Self.allowance(policy, "/orders/1", [("X-API-Key", Self.apiKey)]).revocationCheck == nil)
    }

    @Test func withoutATokenEndpointNothingIsLookedUp() throws {
        let policy = try Policy(rules: Self.rules(endpoint: false))
        let token = try Self.token(kid: "gw-hs256", secret: Self.gatewaySecret, jti: "jti-3")
        #expect(try Self.allowance(policy, "/orders/1", [("Authorization", "Bearer \(token)")]).revocationCheck == nil)
    }

    @Test func aPresentedTokenIsLookedUpEvenWhenAnotherCredentialIsTheIdentity() throws {
        // SPEC §3: every presented credential must verify — a revoked token is refused even
        // beside an API key the route accepts instead.
        let policy = try Policy(rules: Self.rules(endpoint: true))
        let token = try Self.token(kid: "gw-hs256", secret: Self.gatewaySecret, jti: "jti-4")
        let allowance = try Self.allowance(
            policy,
            "/keys/1",
            [("Authorization", "Bearer \(token)"), ("X-API-Key", Self.apiKey)]
        )
        #expect(allowance.identity?.kind == "api_key")
        #expect(allowance.revocationCheck == NonceKey.revoked(keyID: "gw-hs256", jti: "jti-4"))
    }

    @Test func theTraceSaysALookupFollows() throws {
        let policy = try Policy(rules: Self.rules(endpoint: true))
        let token = try Self.token(kid: "gw-hs256", secret: Self.gatewaySecret, jti: "jti-5")
        var trace = PolicyTrace(enabled: true)
        _ = policy.decide(
            PolicyRequest(
                method: .GET,
                target: "/orders/1",
                host: "api.example",
                headers: HTTPHeaders([("Authorization", "Bearer \(token)")])
            ),
            context: PolicyContext(now: Self.now),
            trace: &trace
        )
        #expect(trace.steps.contains { $0.check == "revocation" && $0.passed })
    }

    @Test func thePolicySharesItsAPIKeyTable() throws {
        let policy = try Policy(rules: Self.rules(endpoint: true))
        #expect(policy.apiKeyTable.count == 1)
        #expect((try? policy.apiKeyTable.lookup(presentedKey: Self.apiKey, now: Self.now).get())?.id == "acme")
    }
}
