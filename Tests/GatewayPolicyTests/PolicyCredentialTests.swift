import Foundation
import GatewayCredentials
import GatewayPolicy
import GatewayRules
import GatewayTestSupport
import NIOHTTP1
import Testing

/// SPEC §3 and §9: one test per reason code a credential can earn, the order of checks, and
/// several credentials at once — all without sockets, with an injected clock.
@Suite struct PolicyCredentialTests {
    static let now: Int64 = 1_800_000_000
    static let secret = Array("an-hmac-secret-of-at-least-32-bytes!".utf8)
    static let otherSecret = Array("another-secret-of-at-least-32-bytes".utf8)
    static let apiKey = "gk_test_key_0123456789abcdefghijklmnop"

    let policy: Policy

    init() throws {
        let directory = try ScratchDirectory.make("policy")
        let revoked = directory.appendingPathComponent("revoked.txt").path
        try "# revoked\nrevoked-jti\n".write(toFile: revoked, atomically: true, encoding: .utf8)
        let hash = APIKeyGenerator.hash(of: Self.apiKey)
        let rules = Rules(
            sourcePath: "test.conf",
            jwt: JWTRules(leeway: .seconds(30), revokedFile: revoked, maxLifetime: .seconds(86_400)),
            replay: ReplayRules(window: .seconds(300)),
            keys: [
                KeyRule(id: "hs", alg: .hs256, material: .secret(Secret(bytes: Self.secret, source: .inline))),
                KeyRule(
                    id: "pinned",
                    alg: .hs256,
                    material: .secret(Secret(bytes: Self.otherSecret, source: .inline)),
                    issuer: "https://issuer.example",
                    audiences: ["orders-api"]
                ),
            ],
            apiKeys: [
                APIKeyRule(id: "acme", hash: hash, scopes: ["orders:read"], subject: "acme-corp"),
                APIKeyRule(id: "off", hash: APIKeyGenerator.hash(of: "gk_disabled_key_000000000000000000"), disabled: true),
                APIKeyRule(id: "old", hash: APIKeyGenerator.hash(of: "gk_expired_key_0000000000000000000"), expires: Self.now - 1),
            ],
            upstreams: [UpstreamRule(name: "up", targets: [UpstreamTarget(host: "127.0.0.1", port: 9)])],
            routes: [
                RouteRule(name: "read", path: .prefix("/read"), upstream: "up", scopes: ["orders:read"]),
                RouteRule(name: "any", path: .prefix("/any"), upstream: "up", anyScopes: ["a", "b"]),
                RouteRule(name: "keys-only", path: .prefix("/keys"), upstream: "up", auth: [.apiKey]),
                RouteRule(name: "aud", path: .prefix("/aud"), upstream: "up", audiences: ["billing"]),
                RouteRule(name: "once", path: .prefix("/once"), upstream: "up", replay: .required),
                RouteRule(name: "open", path: .prefix("/open"), upstream: "up"),
            ]
        )
        self.policy = try Policy(rules: rules)
    }

    // MARK: Helpers

    static func token(
        kid: String = "hs",
        secret: [UInt8] = Self.secret,
        _ claims: [String: Any] = [:]
    ) throws -> String {
        var payload: [String: Any] = ["sub": "alice", "exp": Self.now + 600, "iat": Self.now, "scope": "orders:read"]
        for (name, value) in claims { payload[name] = value }
        payload = payload.filter { !($0.value is NSNull) }
        let json = try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])
        return try JWTSigner(algorithm: .hs256, secret: secret, keyID: kid).sign(payload: Array(json))
    }

    func decide(_ path: String, _ headers: [(String, String)] = [], now: Int64 = Self.now) -> Decision {
        self.policy.decide(
            PolicyRequest(method: .GET, target: path, host: "api.example", headers: HTTPHeaders(headers)),
            context: PolicyContext(now: now)
        )
    }

    func reason(_ path: String, _ headers: [(String, String)] = [], now: Int64 = Self.now) -> DenyReason? {
        if case .deny(let denial) = self.decide(path, headers, now: now) { return denial.reason }
        return nil
    }

    func identity(_ path: String, _ headers: [(String, String)]) -> Identity? {
        if case .allow(let allowance) = self.decide(path, headers) { return allowance.identity }
        return nil
    }

    static func bearer(_ token: String) -> (String, String) { ("Authorization", "Bearer \(token)") }

    // MARK: Presence and form (check 2)

    @Test func noCredentialIsMissingCredentialWithoutErrorParameter() throws {
        guard case .deny(let denial) = self.decide("/read/1") else { throw TestFailure("allowed") }
        #expect(denial.reason == .missingCredential)
        #expect(denial.headers.first { $0.0 == "WWW-Authenticate" }?.1 == #"Bearer realm="gateway""#)
    }

    @Test func basicAuthorizationIsNotOurs() {
        #expect(self.reason("/read/1", [("Authorization", "Basic dXNlcjpwYXNz")]) == .missingCredential)
    }

    @Test func queryKeysAreNotCredentials() {
        #expect(self.reason("/read/1?api_key=\(Self.apiKey)&access_token=x") == .missingCredential)
    }

    @Test func malformedBearer() {
        #expect(self.reason("/read/1", [("Authorization", "Bearer")]) == .malformedCredential)
        #expect(self.reason("/read/1", [("Authorization", "Bearer a b")]) == .malformedCredential)
        #expect(self.reason("/read/1", [("Authorization", "bearer not.three")]) == .malformedCredential)
        #expect(self.reason("/read/1", [("Authorization", "Bearer x=y")]) == .malformedCredential)
    }

    @Test func schemeIsCaseInsensitive() throws {
        let token = try Self.token()
        #expect(self.identity("/read/1", [("Authorization", "bEaReR \(token)")])?.subject == "alice")
    }

    // MARK: Key and signature (checks 3–4)

    @Test func unknownKid() throws {
        #expect(self.reason("/read/1", [Self.bearer(try Self.token(kid: "nope"))]) == .unknownKey)
    }

    @Test func badSignature() throws {
        let forged = try Self.token(kid: "hs", secret: Self.otherSecret)
        guard case .deny(let denial) = self.decide("/read/1", [Self.bearer(forged)]) else { throw TestFailure("allowed") }
        #expect(denial.reason == .badSignature)
        #expect(denial.headers.first { $0.0 == "WWW-Authenticate" }?.1 == #"Bearer realm="gateway", error="invalid_token""#)
    }

    @Test func algNone() {
        let header = Data(#"{"alg":"none","kid":"hs"}"#.utf8).base64URL
        let payload = Data(#"{"sub":"x","exp":9999999999}"#.utf8).base64URL
        #expect(self.reason("/read/1", [Self.bearer("\(header).\(payload).")]) == .algNotAllowed)
    }

    // MARK: Status, time, issuer, audience (checks 5–7)

    @Test func revokedJTI() throws {
        #expect(self.reason("/read/1", [Self.bearer(try Self.token(["jti": "revoked-jti"]))]) == .tokenRevoked)
    }

    @Test func expiredWithinAndBeyondLeeway() throws {
        let token = try Self.token(["exp": Self.now - 10])
        #expect(self.reason("/read/1", [Self.bearer(token)]) == nil)  // 10 s late: inside the 30 s leeway
        #expect(self.reason("/read/1", [Self.bearer(token)], now: Self.now + 25) == .tokenExpired)
    }

    @Test func notYetValid() throws {
        #expect(self.reason("/read/1", [Self.bearer(try Self.token(["nbf": Self.now + 60]))]) == .tokenNotYetValid)
    }

    @Test func issuedInFuture() throws {
        #expect(self.reason("/read/1", [Self.bearer(try Self.token(["iat": Self.now + 60]))]) == .tokenIssuedInFuture)
    }

    @Test func missingExp() throws {
        #expect(self.reason("/read/1", [Self.bearer(try Self.token(["exp": NSNull()]))]) == .missingClaim)
    }

    @Test func lifetimeBeyondMaximum() throws {
        let token = try Self.token(["iat": Self.now, "exp": Self.now + 2 * 86_400])
        #expect(self.reason("/read/1", [Self.bearer(token)]) == .tokenExpired)
    }

    @Test func issuerPinnedByTheKey() throws {
        let secret = Self.otherSecret
        let noIssuer = try Self.token(kid: "pinned", secret: secret, ["aud": "orders-api"])
        #expect(self.reason("/read/1", [Self.bearer(noIssuer)]) == .wrongIssuer)
        let wrong = try Self.token(kid: "pinned", secret: secret, ["iss": "https://evil.example", "aud": "orders-api"])
        #expect(self.reason("/read/1", [Self.bearer(wrong)]) == .wrongIssuer)
        let right = try Self.token(kid: "pinned", secret: secret, ["iss": "https://issuer.example", "aud": "orders-api"])
        #expect(self.reason("/read/1", [Self.bearer(right)]) == nil)
    }

    @Test func audiencePinnedByTheKeyAndByTheRoute() throws {
        let secret = Self.otherSecret
        let noAudience = try Self.token(kid: "pinned", secret: secret, ["iss": "https://issuer.example"])
        #expect(self.reason("/read/1", [Self.bearer(noAudience)]) == .wrongAudience)
        #expect(self.reason("/aud/1", [Self.bearer(try Self.token(["aud": ["orders-api"]]))]) == .wrongAudience)
        #expect(self.reason("/aud/1", [Self.bearer(try Self.token(["aud": ["x", "billing"]]))]) == nil)
        guard case .deny(let denial) = self.decide("/aud/1", [Self.bearer(try Self.token())]) else {
            throw TestFailure("allowed")
        }
        #expect(denial.status == 403)
    }

    // MARK: API keys

    @Test func apiKeys() {
        #expect(self.identity("/read/1", [("X-API-Key", Self.apiKey)])?.credentialLabel == "api_key:acme")
        #expect(self.identity("/read/1", [("X-API-Key", Self.apiKey)])?.subject == "acme-corp")
        #expect(self.reason("/read/1", [("X-API-Key", "gk_unknown_0000000000000000000000")]) == .unknownKey)
        #expect(self.reason("/read/1", [("X-API-Key", "gk_disabled_key_000000000000000000")]) == .keyRevoked)
        #expect(self.reason("/read/1", [("X-API-Key", "gk_expired_key_0000000000000000000")]) == .keyExpired)
        #expect(self.reason("/read/1", [("X-API-Key", "")]) == .malformedCredential)
    }

    // MARK: Scopes (check 8)

    @Test func insufficientScopeNamesWhatIsMissing() throws {
        let token = try Self.token(["scope": "orders:write"])
        guard case .deny(let denial) = self.decide("/read/1", [Self.bearer(token)]) else { throw TestFailure("allowed") }
        #expect(denial.reason == .insufficientScope)
        #expect(denial.status == 403)
        #expect(
            denial.headers.first { $0.0 == "WWW-Authenticate" }?.1
                == #"Bearer realm="gateway", error="insufficient_scope", scope="orders:read""#
        )
        #expect(denial.identity?.subject == "alice")
    }

    @Test func anyScopes() throws {
        #expect(self.reason("/any/1", [Self.bearer(try Self.token(["scope": "b c"]))]) == nil)
        #expect(self.reason("/any/1", [Self.bearer(try Self.token(["scope": "c"]))]) == .insufficientScope)
        #expect(self.reason("/any/1", [Self.bearer(try Self.token(["scope": NSNull()]))]) == .insufficientScope)
    }

    // MARK: Several credentials (SPEC §9)

    @Test func everyPresentedCredentialMustVerify() throws {
        let expired = try Self.token(["exp": Self.now - 3600])
        #expect(self.reason("/read/1", [Self.bearer(expired), ("X-API-Key", Self.apiKey)]) == .tokenExpired)
    }

    @Test func theFirstAcceptedKindSetsTheIdentity() throws {
        let headers = [Self.bearer(try Self.token()), ("X-API-Key", Self.apiKey)]
        #expect(self.identity("/read/1", headers)?.credentialLabel == "jwt:hs")
        #expect(self.identity("/keys/1", headers)?.credentialLabel == "api_key:acme")
    }

    @Test func onlyUnacceptedKindsIsMissingCredential() throws {
        #expect(self.reason("/keys/1", [Self.bearer(try Self.token())]) == .missingCredential)
    }

    // MARK: Replay (check 9)

    @Test func replayRouteRefusesAPIKeysAndTokensWithoutJTI() throws {
        #expect(self.reason("/once/1", [("X-API-Key", Self.apiKey)]) == .replayProtectionRequired)
        #expect(self.reason("/once/1", [Self.bearer(try Self.token())]) == .replayProtectionRequired)
        #expect(self.reason("/once/1", [Self.bearer(try Self.token(["jti": "j1", "iat": NSNull()]))]) == .replayProtectionRequired)
    }

    @Test func replayRouteChecksTheWindowWithoutLeeway() throws {
        let old = try Self.token(["jti": "j2", "iat": Self.now - 301, "exp": Self.now + 600])
        #expect(self.reason("/once/1", [Self.bearer(old)]) == .timestampOutOfWindow)
        guard case .allow(let allowance) = self.decide("/once/1", [Self.bearer(try Self.token(["jti": "j3"]))]) else {
            throw TestFailure("denied")
        }
        #expect(allowance.replayNonce == ReplayNonce(scope: "jwt:hs", value: "j3", expiresAt: Self.now + 300))
    }

    /// The b64token scan waits for a token-cache miss; with a cache, a token outside the
    /// alphabet is still refused as malformed, before any other check.
    @Test func aCachedTokenSkipsTheAlphabetScanOnly() throws {
        let cache = PolicyTokenCache(capacity: 16)
        let good = try Self.token(["exp": Self.now + 60])
        for value in ["Bearer a b", "Bearer x=y", "Bearer t\u{F6}k\u{E9}n", "Bearer \(good) x", "Bearer \(good)\u{0}"] {
            let request = PolicyRequest(method: .GET, target: "/read/1", host: nil, headers: HTTPHeaders([("Authorization", value)]))
            for _ in 0..<2 {
                guard case .deny(let denial) = self.policy.decide(request, context: PolicyContext(now: Self.now, tokenCache: cache)) else {
                    throw TestFailure("\(value) was allowed")
                }
                #expect(denial.reason == .malformedCredential, "\(value)")
            }
        }
        #expect(cache.hits == 0)
        let request = PolicyRequest(method: .GET, target: "/read/1", host: nil, headers: HTTPHeaders([Self.bearer(good)]))
        for _ in 0..<2 {
            if case .deny = self.policy.decide(request, context: PolicyContext(now: Self.now, tokenCache: cache)) { Issue.record("denied") }
        }
        #expect(cache.hits == 1)
    }

    @Test func theCacheServesARepeatedTokenAndTimeChecksStillRun() throws {
        let cache = PolicyTokenCache(capacity: 16)
        let token = try Self.token(["exp": Self.now + 60])
        let request = PolicyRequest(method: .GET, target: "/read/1", host: nil, headers: HTTPHeaders([Self.bearer(token)]))
        for _ in 0..<3 {
            if case .deny = self.policy.decide(request, context: PolicyContext(now: Self.now, tokenCache: cache)) {
                Issue.record("denied")
            }
        }
        #expect(cache.hits == 2 && cache.misses == 1)
        guard case .deny(let denial) = self.policy.decide(request, context: PolicyContext(now: Self.now + 100, tokenCache: cache)) else {
            throw TestFailure("an expired cached token was allowed")
        }
        #expect(denial.reason == .tokenExpired)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension Data {
    var base64URL: String {
        self.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
