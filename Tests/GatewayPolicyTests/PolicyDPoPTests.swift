import Foundation
import GatewayCredentials
import GatewayPolicy
import GatewayRules
import NIOHTTP1
import Testing

/// SPEC §10 in the decision: DPoP-bound tokens and their proofs, `dpop_required`, the order of
/// checks, what an allowed request carries (the proof's nonce, the `jkt`, claims as headers)
/// and what `gateway explain` traces — without sockets, with an injected clock.
@Suite struct PolicyDPoPTests {
    static let now: Int64 = 1_800_000_000
    static let secret = Array("an-hmac-secret-of-at-least-32-bytes!".utf8)
    static let apiKey = "gk_test_key_0123456789abcdefghijklmnop"

    /// The client's P-256 key (a test fixture).
    static let clientPEM = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgHCt9EqBKvwLKUkZL
        DbUlutExLd2D6AF53eJfLDAaNiOhRANCAATQ92UmqcigDoYjEObu4ythoGhLEk3h
        Qjdo1sqlkNs0ve4iyzWbilYdVMxJzMxhTEEUW7Io8Q+lpxaYmv/4Ej0y
        -----END PRIVATE KEY-----
        """
    /// Another client's P-256 key.
    static let otherPEM = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgpr5OqmZkVUmsNO0D
        mTWWtAq0rWiHV+9oWDV5qHW8zf6hRANCAAQQmcfdDMKR+rzBA19XQwdOA2ifdMZA
        t2E4bQA+zwiztJtRaGjYwqq9RC/H/bKUNbLct1Hgd9VyiRXy1Zyn2/zv
        -----END PRIVATE KEY-----
        """
    /// An Ed25519 client key.
    static let edPEM = """
        -----BEGIN PRIVATE KEY-----
        MC4CAQAwBQYDK2VwBCIEIM+u+yuZHSpci2fbIvcRfcpqhfhbbG6QfVE8g8ee5lJF
        -----END PRIVATE KEY-----
        """
    static let client = try! DPoPProofSigner(privateKeyPEM: clientPEM)
    static let other = try! DPoPProofSigner(privateKeyPEM: otherPEM)
    static let ed = try! DPoPProofSigner(privateKeyPEM: edPEM)

    static let claimHeaders = [
        ClaimHeader(name: "X-Tenant", claim: "tenant"), ClaimHeader(name: "X-Level", claim: "level"),
        ClaimHeader(name: "X-Groups", claim: "groups"), ClaimHeader(name: "X-Name", claim: "name"),
        ClaimHeader(name: "X-Missing", claim: "missing"),
    ]

    static func rules(dpop: DPoPRules = DPoPRules(window: .seconds(60))) -> Rules {
        Rules(
            sourcePath: "test.conf",
            replay: ReplayRules(window: .seconds(300)),
            dpop: dpop,
            keys: [KeyRule(id: "hs", alg: .hs256, material: .secret(Secret(bytes: Self.secret, source: .inline)))],
            apiKeys: [APIKeyRule(id: "acme", hash: APIKeyGenerator.hash(of: Self.apiKey), scopes: ["orders:read"])],
            upstreams: [UpstreamRule(name: "up", targets: [UpstreamTarget(host: "127.0.0.1", port: 9)])],
            routes: [
                RouteRule(name: "orders", path: .prefix("/orders"), upstream: "up", scopes: ["orders:read"], claimsToHeaders: Self.claimHeaders),
                RouteRule(name: "bound", path: .prefix("/bound"), upstream: "up", auth: [.jwt, .apiKey], dpop: .required),
                RouteRule(name: "once", path: .prefix("/once"), upstream: "up", replay: .required),
                RouteRule(name: "keys", path: .prefix("/keys"), upstream: "up", auth: [.apiKey], claimsToHeaders: Self.claimHeaders),
            ]
        )
    }

    let policy: Policy

    init() throws {
        self.policy = try Policy(rules: Self.rules())
    }

    // MARK: Helpers

    /// An HS256 token; bound to `boundTo`'s key (`cnf.jkt`) unless nil.
    static func token(_ claims: [String: Any] = [:], boundTo signer: DPoPProofSigner? = client) throws -> String {
        var payload: [String: Any] = ["sub": "alice", "exp": Self.now + 600, "iat": Self.now, "scope": "orders:read"]
        if let signer { payload["cnf"] = ["jkt": signer.thumbprint] }
        for (name, value) in claims { payload[name] = value }
        payload = payload.filter { !($0.value is NSNull) }
        let json = try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])
        return try JWTSigner(algorithm: .hs256, secret: Self.secret, keyID: "hs").sign(payload: Array(json))
    }

    static func proof(
        _ signer: DPoPProofSigner = client,
        method: String = "GET",
        url: String = "https://api.example.com/orders/1",
        token: String,
        iat: Int64 = Self.now,
        jti: String = "jti-\(UUID().uuidString)"
    ) throws -> String {
        try signer.proof(method: method, url: url, accessToken: token, issuedAt: iat, jti: jti)
    }

    /// The usual DPoP request headers: `Authorization: DPoP <token>` and one `DPoP` field.
    static func dpop(_ token: String, _ proof: String) -> [(String, String)] {
        [("Authorization", "DPoP \(token)"), ("DPoP", proof)]
    }

    func decide(
        _ headers: [(String, String)],
        at target: String = "/orders/1",
        method: HTTPMethod = .GET,
        now: Int64 = Self.now,
        policy: Policy? = nil,
        trace: inout PolicyTrace
    ) -> Decision {
        let request = PolicyRequest(
            method: method,
            target: target,
            host: "api.example.com",
            headers: HTTPHeaders([("Host", "api.example.com")] + headers),
            isSecure: true
        )
        return (policy ?? self.policy).decide(request, context: PolicyContext(now: now), trace: &trace)
    }

    func decide(_ headers: [(String, String)], at target: String = "/orders/1", method: HTTPMethod = .GET, now: Int64 = Self.now, policy: Policy? = nil) -> Decision {
        var trace = PolicyTrace.disabled
        return self.decide(headers, at: target, method: method, now: now, policy: policy, trace: &trace)
    }

    func denial(_ headers: [(String, String)], at target: String = "/orders/1", method: HTTPMethod = .GET, now: Int64 = Self.now) -> Denial? {
        if case .deny(let denial) = self.decide(headers, at: target, method: method, now: now) { return denial }
        return nil
    }

    func allowance(_ headers: [(String, String)], at target: String = "/orders/1", method: HTTPMethod = .GET) throws -> Allowance {
        guard case .allow(let allowance) = self.decide(headers, at: target, method: method) else {
            throw TestFailure("denied: \(String(describing: self.denial(headers, at: target, method: method)?.reason))")
        }
        return allowance
    }

    /// The reason, and the DPoP step that failed (`dpop iat`, …) as `gateway explain` shows it.
    func refusal(_ headers: [(String, String)], at target: String = "/orders/1", method: HTTPMethod = .GET, now: Int64 = Self.now) -> (DenyReason?, String?) {
        var trace = PolicyTrace(enabled: true)
        guard case .deny(let denial) = self.decide(headers, at: target, method: method, now: now, trace: &trace) else { return (nil, nil) }
        return (denial.reason, trace.steps.last { !$0.passed && $0.check.hasPrefix("dpop") }?.check)
    }

    static func challenge(_ denial: Denial?) -> String? {
        denial?.headers.first { $0.0 == "WWW-Authenticate" }?.1
    }

    // MARK: Allowed

    @Test func aBoundTokenWithItsProofIsAllowedAndItsJTIIsToBeRecorded() throws {
        let token = try Self.token()
        let proof = try Self.proof(token: token, jti: "one-time-jti")
        let allowance = try self.allowance(Self.dpop(token, proof))
        let identity = try #require(allowance.identity)
        #expect(identity.kind == "jwt" && identity.id == "hs" && identity.subject == "alice")
        #expect(identity.jkt == Self.client.thumbprint)
        // dpop.window (60 s), not replay.window (300 s).
        #expect(allowance.dpopNonce == ReplayNonce(scope: "dpop:\(Self.client.thumbprint)", value: "one-time-jti", expiresAt: Self.now + 60))
        #expect(allowance.replayNonce == nil)
    }

    @Test func theDPoPSchemeIsCaseInsensitiveAndEdDSAProofsPass() throws {
        let token = try Self.token()
        for scheme in ["dpop", "DPOP", "DPoP"] {
            let headers = [("Authorization", "\(scheme)  \(token)"), ("DPoP", try Self.proof(token: token))]
            #expect(try self.allowance(headers).identity?.jkt == Self.client.thumbprint)
        }
        let edToken = try Self.token(boundTo: Self.ed)
        #expect(try self.allowance(Self.dpop(edToken, try Self.proof(Self.ed, token: edToken))).identity?.jkt == Self.ed.thumbprint)
    }

    @Test func plainBearerTokensStillPassOnOptionalRoutes() throws {
        let token = try Self.token(boundTo: nil)
        let allowance = try self.allowance([("Authorization", "Bearer \(token)")])
        #expect(allowance.identity?.jkt == nil)
        #expect(allowance.dpopNonce == nil)
        // A DPoP field next to a bearer token that is not bound is not looked at.
        let ignored = try self.allowance([("Authorization", "Bearer \(token)"), ("DPoP", "garbage")])
        #expect(ignored.dpopNonce == nil)
    }

    @Test func theQueryStringIsIgnoredInHtu() throws {
        let token = try Self.token()
        let proof = try Self.proof(url: "https://api.example.com/orders/1", token: token)
        #expect(try self.allowance(Self.dpop(token, proof), at: "/orders/1?page=2&sort=asc").identity?.jkt != nil)
    }

    // MARK: dpop_required

    @Test func aBoundTokenUnderBearerIsDPoPRequiredOnAnyRoute() throws {
        let token = try Self.token()
        for target in ["/orders/1", "/bound/1"] {
            let denial = self.denial([("Authorization", "Bearer \(token)"), ("DPoP", try Self.proof(token: token))], at: target)
            #expect(denial?.reason == .dpopRequired)
            #expect(denial?.status == 401)
            #expect(Self.challenge(denial) == #"DPoP algs="ES256 EdDSA RS256 PS256", error="dpop_required""#)
        }
    }

    @Test func anUnboundTokenOnARequiredRouteIsDPoPRequired() throws {
        let token = try Self.token(boundTo: nil)
        #expect(self.denial([("Authorization", "Bearer \(token)")], at: "/bound/1")?.reason == .dpopRequired)
        let proof = try Self.proof(url: "https://api.example.com/bound/1", token: token)
        #expect(self.denial(Self.dpop(token, proof), at: "/bound/1")?.reason == .dpopRequired)
    }

    @Test func anotherCredentialOnARequiredRouteIsDPoPRequired() throws {
        let denial = self.denial([("X-API-Key", Self.apiKey)], at: "/bound/1")
        #expect(denial?.reason == .dpopRequired)
        #expect(denial?.identity?.kind == "api_key")
        // With a bound token and its proof the same route passes.
        let token = try Self.token()
        let proof = try Self.proof(url: "https://api.example.com/bound/1", token: token)
        #expect(try self.allowance(Self.dpop(token, proof), at: "/bound/1").identity?.jkt == Self.client.thumbprint)
    }

    // MARK: invalid_dpop_proof

    @Test func theDPoPSchemeWithoutAProofIsRefused() throws {
        let token = try Self.token()
        let denial = self.denial([("Authorization", "DPoP \(token)")])
        #expect(denial?.reason == .invalidDpopProof)
        #expect(Self.challenge(denial) == #"DPoP algs="ES256 EdDSA RS256 PS256", error="invalid_dpop_proof""#)
    }

    @Test func twoDPoPHeadersAreRefused() throws {
        let token = try Self.token()
        let headers = Self.dpop(token, try Self.proof(token: token)) + [("DPoP", try Self.proof(token: token))]
        #expect(self.refusal(headers).0 == .invalidDpopProof)
    }

    @Test func aGarbledProofIsAnInvalidProofNotAMalformedCredential() throws {
        let token = try Self.token()
        #expect(self.refusal(Self.dpop(token, "not a proof")).0 == .invalidDpopProof)
        #expect(self.refusal(Self.dpop(token, "a.b.c")) == (.invalidDpopProof, "dpop form"))
    }

    @Test func anUnboundTokenUnderTheDPoPSchemeIsRefusedOnAnOptionalRoute() throws {
        let token = try Self.token(boundTo: nil)
        #expect(self.refusal(Self.dpop(token, try Self.proof(token: token))) == (.invalidDpopProof, "dpop jkt"))
    }

    @Test func aProofForAnotherMethodPathOrTokenIsRefused() throws {
        let token = try Self.token()
        #expect(self.refusal(Self.dpop(token, try Self.proof(method: "POST", token: token))) == (.invalidDpopProof, "dpop htm"))
        let otherPath = try Self.proof(url: "https://api.example.com/orders/2", token: token)
        #expect(self.refusal(Self.dpop(token, otherPath)) == (.invalidDpopProof, "dpop htu"))
        let otherHost = try Self.proof(url: "https://evil.example.com/orders/1", token: token)
        #expect(self.refusal(Self.dpop(token, otherHost)) == (.invalidDpopProof, "dpop htu"))
        let otherToken = try Self.proof(token: try Self.token(["sub": "mallory"]))
        #expect(self.refusal(Self.dpop(token, otherToken)) == (.invalidDpopProof, "dpop ath"))
    }

    @Test func iatOutsideTheDPoPWindowEitherWayIsRefused() throws {
        let token = try Self.token()
        #expect(self.refusal(Self.dpop(token, try Self.proof(token: token, iat: Self.now - 61))) == (.invalidDpopProof, "dpop iat"))
        #expect(self.refusal(Self.dpop(token, try Self.proof(token: token, iat: Self.now + 61))) == (.invalidDpopProof, "dpop iat"))
        #expect(self.refusal(Self.dpop(token, try Self.proof(token: token, iat: Self.now - 59))) == (nil, nil))
    }

    @Test func aProofSignedByAnotherKeyThanItsJWKIsRefused() throws {
        let token = try Self.token()
        let mine = try Self.proof(token: token).split(separator: ".")
        let theirs = try Self.proof(Self.other, token: token).split(separator: ".")
        // The client's header (and jwk) over the other key's signature.
        let spliced = [mine[0], theirs[1], theirs[2]].joined(separator: ".")
        #expect(self.refusal(Self.dpop(token, spliced)) == (.invalidDpopProof, "dpop signature"))
    }

    @Test func aProofByAKeyTheTokenIsNotBoundToIsRefused() throws {
        let token = try Self.token()
        #expect(self.refusal(Self.dpop(token, try Self.proof(Self.other, token: token))) == (.invalidDpopProof, "dpop jkt"))
    }

    @Test func aJWKWithAPrivateMemberIsRefused() throws {
        let token = try Self.token()
        let proof = try Self.proof(token: token).split(separator: ".").map(String.init)
        var header = try #require(try JSONSerialization.jsonObject(with: Self.unbase64URL(proof[0])) as? [String: Any])
        var jwk = try #require(header["jwk"] as? [String: String])
        jwk["d"] = "HCt9EqBKvwLKUkZLDbUlutExLd2D6AF53eJfLDAaNiM"
        header["jwk"] = jwk
        let leaked = [try JSONSerialization.data(withJSONObject: header).base64URL, proof[1], proof[2]].joined(separator: ".")
        #expect(self.refusal(Self.dpop(token, leaked)) == (.invalidDpopProof, "dpop jwk"))
    }

    @Test func anHMACProofIsRefused() throws {
        let token = try Self.token()
        let proof = try Self.proof(token: token).split(separator: ".").map(String.init)
        let header = #"{"typ":"dpop+jwt","alg":"HS256","jwk":{"kty":"oct","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"}}"#
        let hmac = [Data(header.utf8).base64URL, proof[1], proof[2]].joined(separator: ".")
        #expect(self.refusal(Self.dpop(token, hmac)) == (.invalidDpopProof, "dpop alg"))
    }

    @Test func bearerAndDPoPAuthorizationTogetherAreMalformed() throws {
        let token = try Self.token()
        let headers = [("Authorization", "Bearer \(token)")] + Self.dpop(token, try Self.proof(token: token))
        #expect(self.refusal(headers).0 == .malformedCredential)
    }

    // MARK: Order (SPEC §10: after checks 2–7, before scopes; recorded with check 9)

    @Test func theTokenIsJudgedBeforeItsProof() throws {
        let expired = try Self.token(["exp": Self.now - 3600, "iat": Self.now - 7200])
        #expect(self.refusal(Self.dpop(expired, "a.b.c")).0 == .tokenExpired)
        let forged = try Self.token() + "x"
        #expect(self.refusal(Self.dpop(forged, "a.b.c")).0 == .badSignature)
    }

    @Test func theProofIsJudgedBeforeScopes() throws {
        let token = try Self.token(["scope": "other:scope"])
        #expect(self.refusal(Self.dpop(token, "a.b.c")).0 == .invalidDpopProof)
        let denial = try #require(self.denial(Self.dpop(token, try Self.proof(token: token))))
        #expect(denial.reason == .insufficientScope)
        #expect(denial.identity?.jkt == Self.client.thumbprint)
    }

    @Test func aReplayProtectedRouteRecordsTheTokensJTIAndTheProofs() throws {
        let token = try Self.token(["jti": "token-jti"])
        let proof = try Self.proof(url: "https://api.example.com/once/1", token: token, jti: "proof-jti")
        let allowance = try self.allowance(Self.dpop(token, proof), at: "/once/1")
        #expect(allowance.replayNonce == ReplayNonce(scope: "jwt:hs", value: "token-jti", expiresAt: Self.now + 300))
        #expect(allowance.dpopNonce == ReplayNonce(scope: "dpop:\(Self.client.thumbprint)", value: "proof-jti", expiresAt: Self.now + 60))
    }

    @Test func theChallengeListsTheConfiguredAlgorithmsAndOthersAreRefused() throws {
        let policy = try Policy(rules: Self.rules(dpop: DPoPRules(algorithms: [.es256], window: nil)))
        let token = try Self.token(boundTo: Self.ed)
        var trace = PolicyTrace(enabled: true)
        guard case .deny(let denial) = self.decide(Self.dpop(token, try Self.proof(Self.ed, token: token)), policy: policy, trace: &trace) else {
            throw TestFailure("an EdDSA proof passed with algs = [ES256]")
        }
        #expect(Self.challenge(denial) == #"DPoP algs="ES256", error="invalid_dpop_proof""#)
        #expect(trace.steps.last { !$0.passed }?.check == "dpop alg")
        // Without [dpop] window, replay.window (300 s) bounds iat.
        let bound = try Self.token()
        let old = try Self.proof(token: bound, iat: Self.now - 299)
        guard case .allow(let allowance) = self.decide(Self.dpop(bound, old), policy: policy) else {
            throw TestFailure("denied inside replay.window")
        }
        #expect(allowance.dpopNonce?.expiresAt == Self.now - 299 + 300)
    }

    // MARK: Claims to headers

    @Test func claimsBecomeHeadersInTheRoutesOrder() throws {
        let token = try Self.token(["tenant": "acme", "level": 3, "groups": ["a", "b"], "name": "x\r\nX-Evil: 1"], boundTo: nil)
        let allowance = try self.allowance([("Authorization", "Bearer \(token)")])
        #expect(allowance.claimHeaders.map(\.name) == ["X-Tenant", "X-Level", "X-Groups", "X-Name"])
        #expect(allowance.claimHeaders.map(\.value) == ["acme", "3", "a b", "x  X-Evil: 1"])
    }

    @Test func claimsComeFromDPoPBoundTokensToo() throws {
        let token = try Self.token(["tenant": "acme"])
        let allowance = try self.allowance(Self.dpop(token, try Self.proof(token: token)))
        #expect(allowance.claimHeaders.map(\.name) == ["X-Tenant"])
    }

    @Test func otherCredentialsSetNoClaimHeaders() throws {
        let allowance = try self.allowance([("X-API-Key", Self.apiKey)], at: "/keys/1")
        #expect(allowance.claimHeaders.isEmpty)
        #expect(allowance.route.rule.claimsToHeaders.map(\.name).contains("X-Tenant"))
    }

    // MARK: gateway explain

    @Test func theTraceListsEveryProofCheck() throws {
        let token = try Self.token()
        var trace = PolicyTrace(enabled: true)
        _ = self.decide(Self.dpop(token, try Self.proof(token: token)), trace: &trace)
        let dpopSteps = trace.steps.filter { $0.check.hasPrefix("dpop") }
        #expect(dpopSteps.map(\.check) == [
            "dpop", "dpop form", "dpop typ", "dpop alg", "dpop jwk", "dpop signature", "dpop claims", "dpop htm",
            "dpop htu", "dpop iat", "dpop ath", "dpop jkt", "dpop replay",
        ])
        #expect(dpopSteps.allSatisfy { $0.passed })
        #expect(dpopSteps.first { $0.check == "dpop htu" }?.detail == "matches https://api.example.com/orders/1")
        // A failure stops the list at the check that failed.
        var failing = PolicyTrace(enabled: true)
        _ = self.decide(Self.dpop(token, try Self.proof(token: token, iat: Self.now - 600)), trace: &failing)
        let checks = failing.steps.filter { $0.check.hasPrefix("dpop") }
        #expect(checks.last?.check == "dpop iat" && checks.last?.passed == false)
        #expect(!checks.contains { $0.check == "dpop ath" })
        // Nothing traced holds the token or the proof.
        for step in trace.steps + failing.steps { #expect(!step.detail.contains(token)) }
    }

    static func unbase64URL(_ text: String) -> Data {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)!
    }
}
