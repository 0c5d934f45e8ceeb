import Crypto
import Foundation
import GatewayCredentials
import GatewayPolicy
import GatewayReplay
import GatewayRules
import GatewayTokens
import NIOHTTP1
import Testing

/// `POST {revoke_path}`: RFC 7009 §2.1–2.2, with SPEC §9's `unauthorized_client` for another
/// client's token.
@Suite struct TokenRevocationTests {
    let fixture: TokenFixture
    let policy: Policy
    let endpoint: TokenEndpoint

    init() throws {
        self.fixture = try TokenFixture()
        (self.policy, self.endpoint) = try self.fixture.load()
    }

    func revoke(
        _ token: String,
        by id: String = "acme",
        _ secret: String = TokenFixture.acmeSecret,
        now: Int64 = TokenFixture.now,
        extra: [(String, String)] = []
    ) -> TokenEndpointOutcome {
        self.endpoint.answer(
            .revoke,
            tokenRequest(authorization: [basic(id, secret)], [("token", token)] + extra),
            now: now
        )
    }

    /// Asserts "200, nothing to revoke" (RFC 7009 §2.2).
    func expectNothingToDo(_ outcome: TokenEndpointOutcome, sourceLocation: SourceLocation = #_sourceLocation) {
        guard case .respond(let response) = outcome else {
            Issue.record("a revocation was asked for", sourceLocation: sourceLocation)
            return
        }
        #expect(response.status == 200, sourceLocation: sourceLocation)
        #expect(response.body.isEmpty, sourceLocation: sourceLocation)
        #expect(response.header("Cache-Control") == "no-store", sourceLocation: sourceLocation)
        #expect(response.audit.reasonCode == "ok", sourceLocation: sourceLocation)
        #expect(response.audit.identity?.jti == nil, sourceLocation: sourceLocation)
    }

    @Test func revokingOwnTokenNamesTheKeyAndTheExpiry() throws {
        let token = try self.endpoint.issue()
        let jti = try #require(try JWTVerifier(rules: self.fixture.rules()).verify(token).claims.jti)
        guard case .revokeThenRespond(let revocation) = self.revoke(token, extra: [("token_type_hint", "access_token")])
        else {
            throw TestFailure("no revocation")
        }
        #expect(revocation.key == NonceKey(scope: "revoked:gw-es256", value: jti))
        #expect(revocation.expiresAt == TokenFixture.now + 900 + 30)  // exp + jwt.leeway
        #expect(revocation.response.status == 200)
        #expect(revocation.response.body.isEmpty)
        #expect(revocation.response.audit.reasonCode == "ok")
        #expect(
            revocation.response.audit.identity
                == Identity(kind: "api_key", id: "acme", subject: "acme-corp", scopes: [], jti: jti)
        )
        #expect(!revocation.response.everything.contains(token))
        // The key the policy looks up for that token is the one recorded.
        guard case .allow(let allowance) = decide(self.policy, "/orders/1", bearer: token) else {
            throw TestFailure("refused")
        }
        #expect(allowance.revocationCheck == revocation.key)
    }

    /// SPEC §9 "Order of checks": the token's status (check 5) comes before its time (6) and
    /// its scopes (8), so a refusal from those carries the revocation lookup to make first.
    @Test func aLaterChecksRefusalLooksUpTheRevocationFirst() throws {
        let token = try self.endpoint.issue(scope: "orders:read")
        guard case .revokeThenRespond(let revocation) = self.revoke(token) else { throw TestFailure("no revocation") }
        guard case .deny(let scopes) = decide(self.policy, "/writes/1", bearer: token) else { throw TestFailure("allowed") }
        #expect(scopes.reason == .insufficientScope)
        #expect(scopes.revocationCheck == revocation.key)
        // `explain` shows the trace: it says the lookup comes first.
        var trace = PolicyTrace(enabled: true)
        _ = self.policy.decide(
            PolicyRequest(method: .GET, target: "/writes/1", host: "api.example", headers: HTTPHeaders([("Authorization", "Bearer \(token)")])),
            context: PolicyContext(now: TokenFixture.now),
            trace: &trace
        )
        #expect(trace.steps.last?.check == "revocation")
        #expect(trace.steps.last?.detail.contains("token_revoked") == true)
        guard case .deny(let expired) = decide(self.policy, "/orders/1", bearer: token, now: TokenFixture.now + 3600) else {
            throw TestFailure("allowed")
        }
        #expect(expired.reason == .tokenExpired)
        #expect(expired.revocationCheck == revocation.key)
        // A refusal before check 5 has nothing to look up.
        guard case .deny(let forged) = decide(self.policy, "/orders/1", bearer: String(token.dropLast(4)) + "AAAA") else {
            throw TestFailure("allowed")
        }
        #expect(forged.reason == .badSignature)
        #expect(forged.revocationCheck == nil)
    }

    @Test func theStoresAnswerDecidesTheResponse() throws {
        guard case .revokeThenRespond(let revocation) = self.revoke(try self.endpoint.issue()) else {
            throw TestFailure("no revocation")
        }
        #expect(revocation.response(after: .fresh).status == 200)
        let unavailable = revocation.response(after: .unavailable)
        #expect(unavailable.status == 503 && unavailable.audit.reason == .replayStoreUnavailable)
        #expect(unavailable.json["error"] as? String == "temporarily_unavailable")
        #expect(unavailable.audit.identity?.id == "acme")
        let full = revocation.response(after: .full)
        #expect(full.status == 503 && full.audit.reason == .replayStoreFull)
    }

    @Test func anotherClientsTokenIsUnauthorizedClientAndStaysValid() throws {
        let globexToken = try self.endpoint.issue("globex", TokenFixture.globexSecret)
        guard case .respond(let response) = self.revoke(globexToken) else {
            throw TestFailure("revoked another client's token")
        }
        #expect(response.status == 400)
        #expect(response.json["error"] as? String == "unauthorized_client")
        #expect(response.audit.reason == .unauthorizedClient)
        #expect(response.audit.identity?.id == "acme")
        #expect(!response.everything.contains(globexToken))
        guard case .allow = decide(self.policy, "/orders/1", bearer: globexToken) else { throw TestFailure("refused") }
    }

    @Test func garbageAndForeignTokensAnswer200WithNothingToDo() throws {
        self.expectNothingToDo(self.revoke("not-a-token"))
        self.expectNothingToDo(self.revoke("a.b.c"))
        // Signed by a [[keys]] entry the endpoint does not sign with.
        let partner = try JWTSigner(
            algorithm: .es256,
            privateKeyPEM: self.fixture.partner.pemRepresentation,
            keyID: "partner"
        )
        let claims = JWTClaims(sub: "acme", exp: TokenFixture.now + 600, iat: TokenFixture.now, jti: "p-1")
        let partnerToken = try partner.sign(claims, privateClaims: [(name: "client_id", value: "acme")])
        self.expectNothingToDo(self.revoke(partnerToken))
        // Signed with the endpoint's key but not issued by it (`gateway token mint`): no client_id.
        let minted = try JWTSigner(
            algorithm: .es256,
            privateKeyPEM: self.fixture.es256.pemRepresentation,
            keyID: "gw-es256"
        )
        .sign(claims)
        self.expectNothingToDo(self.revoke(minted))
        // A forged signature.
        let issued = try self.endpoint.issue()
        self.expectNothingToDo(self.revoke(String(issued.dropLast(4)) + "AAAA"))
    }

    @Test func anExpiredTokenHasNothingLeftToRevoke() throws {
        let token = try self.endpoint.issue()
        self.expectNothingToDo(self.revoke(token, now: TokenFixture.now + 900 + 30))
        // Within the leeway it is still accepted, so it is still revoked.
        guard case .revokeThenRespond = self.revoke(token, now: TokenFixture.now + 900 + 29) else {
            throw TestFailure("a token inside the leeway was not revoked")
        }
    }

    @Test func revocationNeedsClientAuthenticationAndAToken() throws {
        let token = try self.endpoint.issue()
        guard case .respond(let wrong) = self.revoke(token, by: "acme", TokenFixture.globexSecret) else {
            throw TestFailure("revoked without authentication")
        }
        #expect(wrong.status == 401 && wrong.audit.reason == .invalidClient)
        #expect(wrong.header("WWW-Authenticate") == #"Basic realm="gateway""#)
        let missing = self.endpoint.answer(.revoke, tokenRequest([("token_type_hint", "access_token")])).response
        #expect(missing.status == 400 && missing.json["error"] as? String == "invalid_request")
        let twice = self.endpoint.answer(.revoke, tokenRequest([("token", token), ("token", token)])).response
        #expect(twice.status == 400 && twice.json["error"] as? String == "invalid_request")
        #expect(!twice.everything.contains(token))
        let get = self.endpoint.answer(.revoke, tokenRequest(method: "GET", [("token", token)])).response
        #expect(get.status == 405 && get.header("Allow") == "POST")
        // Form credentials work here too.
        let form = tokenRequest(
            authorization: [],
            [("token", token), ("client_id", "acme"), ("client_secret", TokenFixture.acmeSecret)]
        )
        guard case .revokeThenRespond = self.endpoint.answer(.revoke, form) else { throw TestFailure("not revoked") }
    }
}
