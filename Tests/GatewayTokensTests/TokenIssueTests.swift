import Foundation
import GatewayCredentials
import GatewayPolicy
import GatewayReplay
import GatewayRules
import GatewayTokens
import Testing

/// `POST {path}`: RFC 6749 §4.4 client credentials, answered per §5.1 and §5.2.
@Suite struct TokenIssueTests {
    let fixture: TokenFixture
    let policy: Policy
    let endpoint: TokenEndpoint

    init() throws {
        self.fixture = try TokenFixture()
        (self.policy, self.endpoint) = try self.fixture.load()
    }

    func issue(_ request: TokenEndpointRequest, now: Int64 = TokenFixture.now) -> TokenEndpointResponse {
        guard case .respond(let response) = self.endpoint.answer(.issue, request, now: now) else {
            Issue.record("the token endpoint asked for a revocation")
            return TokenEndpointResponse(
                status: 0,
                headers: [],
                body: [],
                audit: TokenAudit(reason: nil, identity: nil)
            )
        }
        return response
    }

    /// A refusal's status, OAuth error and audited reason, after checking its §5.2 shape.
    func refusal(_ request: TokenEndpointRequest) -> (status: Int, error: String?, reason: DenyReason?) {
        let response = self.issue(request)
        #expect(response.header("Content-Type") == "application/json")
        #expect(response.header("Cache-Control") == "no-store")
        #expect(response.header("Pragma") == "no-cache")
        #expect(Set(response.json.keys) == ["error", "error_description"])
        #expect(!response.everything.contains("SECRET"))
        return (response.status, response.json["error"] as? String, response.audit.reason)
    }

    // MARK: Success

    @Test func issuesATokenThatVerifiesThroughTheGatewaysKeys() throws {
        let response = self.issue(tokenRequest())
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "application/json")
        #expect(response.header("Cache-Control") == "no-store")
        #expect(response.header("Pragma") == "no-cache")
        let json = response.json
        #expect(Set(json.keys) == ["access_token", "token_type", "expires_in", "scope"])
        #expect(json["token_type"] as? String == "Bearer")
        #expect(json["expires_in"] as? Int == 900)
        #expect(json["scope"] as? String == "orders:read orders:write")
        let token = try #require(json["access_token"] as? String)

        // The normal [[keys]] path: the verifier of the rules, as the policy builds it.
        let verified = try JWTVerifier(rules: self.fixture.rules()).verify(token)
        #expect(verified.kid == "gw-es256")
        #expect(verified.alg == .es256)
        let claims = verified.claims
        #expect(claims.iss == "gateway")
        #expect(claims.sub == "acme-corp")
        #expect(claims.aud == ["orders-api"])
        #expect(claims.iat == TokenFixture.now)
        #expect(claims.exp == TokenFixture.now + 900)
        #expect(claims.scopes == ["orders:read", "orders:write"])
        let jti = try #require(claims.jti)
        #expect(jti.count == 22)  // 128 bits, base64url without padding
        #expect(Base64URLAlphabet.contains(jti))
        #expect(JWTPrivateClaim.string("client_id", ofVerifiedToken: token) == "acme")

        let header =
            try JSONSerialization.jsonObject(with: Data(base64URL: String(token.split(separator: ".")[0]))!)
            as? [String: String]
        #expect(header == ["alg": "ES256", "typ": "JWT", "kid": "gw-es256"])

        #expect(response.audit.reason == nil && response.audit.reasonCode == "ok" && response.audit.decision == "allow")
        #expect(
            response.audit.identity
                == Identity(
                    kind: "api_key",
                    id: "acme",
                    subject: "acme-corp",
                    scopes: ["orders:read", "orders:write"],
                    jti: jti
                )
        )
        #expect(response.audit.identity?.credentialLabel == "api_key:acme")
    }

    @Test func theTokenPassesThePolicyThroughTheCache() throws {
        let token = try self.endpoint.issue()
        let cache = PolicyTokenCache(capacity: 8)
        for _ in 0..<2 {
            guard case .allow(let allowance) = decide(self.policy, "/writes/1", bearer: token, cache: cache) else {
                throw TestFailure("the issued token was refused")
            }
            #expect(allowance.identity?.credentialLabel == "jwt:gw-es256")
            #expect(allowance.identity?.subject == "acme-corp")
            #expect(allowance.identity?.scopes == ["orders:read", "orders:write"])
            let jti = try #require(allowance.identity?.jti)
            #expect(allowance.revocationCheck == NonceKey.revoked(keyID: "gw-es256", jti: jti))
        }
        #expect(cache.count == 1)
    }

    @Test func anEdDSASigningKey() throws {
        let (policy, endpoint) = try self.fixture.load(signingKey: "gw-ed25519", audience: nil)
        let token = try endpoint.issue()
        let verified = try JWTVerifier(rules: self.fixture.rules()).verify(token)
        #expect(verified.kid == "gw-ed25519" && verified.alg == .eddsa)
        #expect(verified.claims.aud == nil)
        guard case .allow = decide(policy, "/orders/1", bearer: token) else { throw TestFailure("refused") }
    }

    @Test func anHMACSigningKeySignsWithItsSecret() throws {
        var rules = self.fixture.rules()
        let secret = Array("an-hs256-signing-secret-of-32-bytes!".utf8)
        rules.keys.append(
            KeyRule(id: "gw-hs256", alg: .hs256, material: .secret(Secret(bytes: secret, source: .inline)))
        )
        rules.tokenEndpoint?.signingKey = "gw-hs256"
        let endpoint = try #require(try TokenEndpoint(rules: rules, apiKeys: try APIKeyTable(rules.apiKeys)))
        #expect(endpoint.signingKeyID == "gw-hs256")
        #expect(try JWTVerifier(rules: rules).verify(try endpoint.issue()).alg == .hs256)
    }

    @Test func scopesGoUnderTheFirstScopeClaimThePolicyReads() throws {
        var rules = self.fixture.rules()
        rules.jwt.scopeClaims = ["scp", "scope"]
        let policy = try Policy(rules: rules)
        let endpoint = try #require(try TokenEndpoint(rules: rules, apiKeys: policy.apiKeyTable))
        let token = try endpoint.issue(scope: "orders:write")
        let verified = try JWTVerifier(rules: rules).verify(token)
        #expect(verified.claims.scopeClaim == "scp")
        #expect(verified.claims.scopes == ["orders:write"])
        guard case .allow = decide(policy, "/writes/1", bearer: token) else { throw TestFailure("refused") }
        #expect(JWTPrivateClaim.string("scope", ofVerifiedToken: token) == nil)
    }

    @Test func jtisComeFromTheInjectedGenerator() throws {
        let request = tokenRequest()
        func jti(_ seed: UInt64) throws -> String? {
            let token = try #require(
                self.endpoint.answer(.issue, request, seed: seed).response.json["access_token"] as? String
            )
            return try JWTVerifier(rules: self.fixture.rules()).verify(token).claims.jti
        }
        #expect(try jti(7) == jti(7))
        #expect(try jti(7) != jti(8))
    }

    @Test func formCredentialsWork() throws {
        let response = self.issue(
            tokenRequest(
                authorization: [],
                [
                    ("grant_type", "client_credentials"), ("client_id", "acme"),
                    ("client_secret", TokenFixture.acmeSecret),
                ]
            )
        )
        #expect(response.status == 200)
        #expect(response.audit.identity?.id == "acme")
    }

    @Test func reservedCharactersInIDAndSecretByBasicAndByForm() throws {
        let viaBasic = self.issue(tokenRequest(authorization: [basic(TokenFixture.oddID, TokenFixture.oddSecret)]))
        #expect(viaBasic.status == 200)
        #expect(viaBasic.audit.identity?.id == TokenFixture.oddID)
        #expect(viaBasic.json["scope"] as? String == "odd")
        let viaForm = self.issue(
            tokenRequest(
                authorization: [],
                [
                    ("grant_type", "client_credentials"), ("client_id", TokenFixture.oddID),
                    ("client_secret", TokenFixture.oddSecret),
                ]
            )
        )
        #expect(viaForm.status == 200)
        let token = try #require(viaForm.json["access_token"] as? String)
        #expect(JWTPrivateClaim.string("client_id", ofVerifiedToken: token) == TokenFixture.oddID)
        // Without the form encoding the `%` and `+` read differently, and the client is refused.
        let raw = "Basic " + Data("\(TokenFixture.oddID):\(TokenFixture.oddSecret)".utf8).base64EncodedString()
        #expect(self.refusal(tokenRequest(authorization: [raw])).status == 401)
    }

    @Test func charsetIsTolerated() {
        for contentType in [
            "application/x-www-form-urlencoded; charset=UTF-8", "Application/X-WWW-Form-URLEncoded;charset=\"utf-8\"",
        ] {
            #expect(self.issue(tokenRequest(contentType: [contentType])).status == 200, "\(contentType)")
        }
        #expect(
            self.refusal(tokenRequest(contentType: ["application/x-www-form-urlencoded; charset=iso-8859-1"])).error
                == "invalid_request"
        )
    }

    // MARK: Scopes

    @Test func absentOrEmptyScopeGrantsAllOfTheKeys() {
        #expect(self.issue(tokenRequest()).json["scope"] as? String == "orders:read orders:write")
        let empty = self.issue(tokenRequest([("grant_type", "client_credentials"), ("scope", "")]))
        #expect(empty.json["scope"] as? String == "orders:read orders:write")
    }

    @Test func aSubsetIsGrantedInTheKeysOrder() throws {
        let response = self.issue(
            tokenRequest([("grant_type", "client_credentials"), ("scope", "orders:write orders:read orders:write")])
        )
        #expect(response.json["scope"] as? String == "orders:read orders:write")
        let narrow = self.issue(tokenRequest([("grant_type", "client_credentials"), ("scope", "orders:read")]))
        #expect(narrow.json["scope"] as? String == "orders:read")
        #expect(narrow.audit.identity?.scopes == ["orders:read"])
        let token = try #require(narrow.json["access_token"] as? String)
        guard case .deny(let denial) = decide(self.policy, "/writes/1", bearer: token) else {
            throw TestFailure("a narrowed token passed a route needing the scope it lacks")
        }
        #expect(denial.reason == .insufficientScope)
    }

    @Test func scopeEscalationIsRefused() {
        let escalation = self.refusal(
            tokenRequest([("grant_type", "client_credentials"), ("scope", "orders:read admin")])
        )
        #expect(escalation.status == 400 && escalation.error == "invalid_scope" && escalation.reason == .invalidScope)
        let globex = self.refusal(
            tokenRequest(
                authorization: [basic("globex", TokenFixture.globexSecret)],
                [("grant_type", "client_credentials"), ("scope", "orders:write")]
            )
        )
        #expect(globex.error == "invalid_scope")
        let malformed = self.refusal(
            tokenRequest([("grant_type", "client_credentials"), ("scope", "orders:read  orders:write")])
        )
        #expect(malformed.error == "invalid_scope")
    }

    // MARK: Client authentication

    @Test func aWrongSecretIsInvalidClientWithABasicChallenge() {
        let response = self.issue(tokenRequest(authorization: [basic("acme", TokenFixture.globexSecret)]))
        #expect(response.status == 401)
        #expect(response.json["error"] as? String == "invalid_client")
        #expect(response.header("WWW-Authenticate") == #"Basic realm="gateway""#)
        #expect(response.audit.reason == .invalidClient && response.audit.decision == "deny")
        #expect(response.audit.identity == nil)
        #expect(!response.everything.contains("SECRET"))
    }

    @Test func unknownClients() {
        #expect(
            self.refusal(tokenRequest(authorization: [basic("nobody", TokenFixture.acmeSecret)])).error
                == "invalid_client"
        )
        #expect(
            self.refusal(tokenRequest(authorization: [basic("acme", "gk_not-a-configured-SECRET")])).error
                == "invalid_client"
        )
        let form = tokenRequest(
            authorization: [],
            [("grant_type", "client_credentials"), ("client_id", "acme"), ("client_secret", "wrong-SECRET")]
        )
        let response = self.issue(form)
        #expect(response.status == 401 && response.json["error"] as? String == "invalid_client")
        #expect(response.header("WWW-Authenticate") == #"Basic realm="gateway""#)  // RFC 9110 §15.5.2
    }

    @Test func disabledAndExpiredKeysAreInvalidClient() {
        let disabled = self.issue(tokenRequest(authorization: [basic("off", TokenFixture.disabledSecret)]))
        #expect(disabled.status == 401 && disabled.audit.reason == .invalidClient)
        #expect(disabled.json["error_description"] as? String == "the client's API key is disabled")
        let expired = self.issue(tokenRequest(authorization: [basic("old", TokenFixture.expiredSecret)]))
        #expect(expired.status == 401 && expired.audit.reason == .invalidClient)
        #expect(expired.json["error_description"] as? String == "the client's API key has expired")
    }

    @Test func noClientAuthenticationOrAnotherScheme() {
        #expect(self.refusal(tokenRequest(authorization: [])).error == "invalid_client")
        #expect(self.refusal(tokenRequest(authorization: ["Bearer a.b.c"])).error == "invalid_client")
        #expect(self.refusal(tokenRequest(authorization: ["Basic !!"])).error == "invalid_client")
        let idOnly = tokenRequest(authorization: [], [("grant_type", "client_credentials"), ("client_id", "acme")])
        #expect(self.refusal(idOnly).error == "invalid_client")
        let secretOnly = tokenRequest(
            authorization: [],
            [("grant_type", "client_credentials"), ("client_secret", TokenFixture.acmeSecret)]
        )
        #expect(self.refusal(secretOnly).error == "invalid_request")
    }

    @Test func basicAndFormCredentialsTogetherAreInvalidRequest() {
        let both = tokenRequest(
            [("grant_type", "client_credentials"), ("client_id", "acme"), ("client_secret", TokenFixture.acmeSecret)]
        )
        let refusal = self.refusal(both)
        #expect(refusal.status == 400 && refusal.error == "invalid_request" && refusal.reason == .invalidRequest)
        let twoHeaders = tokenRequest(authorization: [
            basic("acme", TokenFixture.acmeSecret), basic("acme", TokenFixture.acmeSecret),
        ])
        #expect(self.refusal(twoHeaders).error == "invalid_request")
    }

    // MARK: The request

    @Test func aGetIs405WithAllow() {
        let response = self.issue(tokenRequest(method: "GET"))
        #expect(response.status == 405)
        #expect(response.header("Allow") == "POST")
        #expect(response.json["error"] as? String == "invalid_request")
        #expect(response.audit.reason == .methodNotAllowed)
        #expect(self.issue(tokenRequest(method: "post")).status == 405)  // methods are case-sensitive
    }

    @Test func aJSONBodyOrNoContentTypeIsInvalidRequest() {
        let json = TokenEndpointRequest(
            method: "POST",
            contentType: ["application/json"],
            authorization: [basic("acme", TokenFixture.acmeSecret)],
            body: Array(#"{"grant_type":"client_credentials"}"#.utf8)
        )
        #expect(self.refusal(json).error == "invalid_request")
        #expect(self.refusal(tokenRequest(contentType: [])).error == "invalid_request")
        let twice = ["application/x-www-form-urlencoded", "application/x-www-form-urlencoded"]
        #expect(self.refusal(tokenRequest(contentType: twice)).error == "invalid_request")
    }

    @Test func grantTypes() {
        let missing = self.refusal(tokenRequest([("scope", "orders:read")]))
        #expect(missing.status == 400 && missing.error == "invalid_request")
        let password = self.refusal(tokenRequest([("grant_type", "password"), ("username", "u"), ("password", "p")]))
        #expect(
            password.status == 400 && password.error == "unsupported_grant_type"
                && password.reason == .unsupportedGrantType
        )
        let repeated = self.refusal(
            tokenRequest([("grant_type", "client_credentials"), ("grant_type", "client_credentials")])
        )
        #expect(repeated.error == "invalid_request")
        // Unrecognised parameters are ignored (RFC 6749 §3.2), repeated or not.
        #expect(self.issue(tokenRequest([("grant_type", "client_credentials"), ("x", "1"), ("x", "2")])).status == 200)
    }

    @Test func anUnsupportedGrantIsAuditedWithTheClient() {
        let response = self.issue(tokenRequest([("grant_type", "refresh_token")]))
        #expect(response.audit.identity?.id == "acme")
        #expect(response.audit.identity?.scopes == [])
    }

    @Test func malformedAndOversizedBodies() {
        var malformed = tokenRequest()
        malformed.body = Array("grant_type=client_credentials&scope=%zz".utf8)
        #expect(self.refusal(malformed).error == "invalid_request")
        var large = tokenRequest()
        large.body += Array(repeating: UInt8(ascii: "a"), count: TokenEndpoint.maximumBodyBytes)
        let response = self.issue(large)
        #expect(response.status == 413 && response.audit.reason == .bodyTooLarge)
    }

    @Test func paths() {
        #expect(self.endpoint.operation(forPath: "/oauth/token") == .issue)
        #expect(self.endpoint.operation(forPath: "/oauth/revoke") == .revoke)
        #expect(self.endpoint.operation(forPath: "/oauth/token/") == nil)
        #expect(self.endpoint.operation(forPath: "/orders") == nil)
    }

    // MARK: Secrets

    /// No answer — body, headers, or audit — contains the secret, in any encoding the client
    /// sent it in; every description keeps to RFC 6749 §5.2's characters.
    @Test func noSecretReachesAnyAnswer() throws {
        let secret = TokenFixture.oddSecret
        let encodedSecret = formEncode(secret)
        let wrongBasic = basic(TokenFixture.oddID, secret + "x")
        let requests: [TokenEndpointRequest] = [
            tokenRequest(authorization: [wrongBasic]),
            tokenRequest(authorization: [basic("acme", secret)]),
            tokenRequest(
                authorization: [wrongBasic],
                [("grant_type", "client_credentials"), ("client_secret", secret)]
            ),
            tokenRequest(authorization: [], [("grant_type", "client_credentials"), ("client_secret", secret)]),
            tokenRequest(
                authorization: [],
                [("grant_type", "client_credentials"), ("client_id", secret), ("client_secret", secret)]
            ),
            tokenRequest(authorization: [basic(secret, secret)], [("grant_type", "password")]),
            tokenRequest(authorization: [basic(TokenFixture.oddID, secret)], [("grant_type", "password")]),
            tokenRequest(
                authorization: [basic(TokenFixture.oddID, secret)],
                [("grant_type", "client_credentials"), ("scope", secret)]
            ),
            tokenRequest(method: "GET", authorization: [basic(TokenFixture.oddID, secret)]),
            tokenRequest(
                contentType: ["application/json; \(secret)"],
                authorization: [basic(TokenFixture.oddID, secret)]
            ),
            tokenRequest(authorization: ["Basic " + secret]),
            tokenRequest(
                authorization: [basic(TokenFixture.oddID, secret)],
                [("grant_type", "client_credentials"), ("grant_type", secret)]
            ),
        ]
        let allowed = Set((UInt8(0x20)...UInt8(0x7E)).map(UnicodeScalar.init)).subtracting(["\"", "\\"])
        for request in requests {
            let response = self.issue(request)
            #expect(response.status != 200)
            for leak in [secret, encodedSecret, "SECRET"] {
                #expect(!response.everything.contains(leak), "\(response.status) \(response.audit.reasonCode)")
            }
            let description = try #require(response.json["error_description"] as? String)
            #expect(description.unicodeScalars.allSatisfy(allowed.contains), "\(description)")
        }
    }
}

/// The base64url alphabet (RFC 4648 §5).
enum Base64URLAlphabet {
    static func contains(_ text: String) -> Bool {
        text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                return true
            default:
                return false
            }
        }
    }
}

extension Data {
    /// Decodes unpadded base64url.
    init?(base64URL text: String) {
        var text = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        self.init(base64Encoded: text)
    }
}
