import Crypto
import Foundation
import GatewayCredentials
import GatewayProxy
import GatewayRules
import Testing

/// DPoP (RFC 9449) and `claims_to_headers` through the proxy, over real sockets and both
/// protocols: a bound token with its proof is forwarded without its credentials and with the
/// chosen claims; a proof is single-use; a bound token never passes as a bearer token; the
/// audit carries the key's thumbprint.
@Suite(.timeLimit(.minutes(3))) struct DPoPProxyTests {
    let fixture: HTTP2Fixture
    let tokenKey = P256.Signing.PrivateKey()
    let clientKey = P256.Signing.PrivateKey()

    init() throws {
        self.fixture = try HTTP2Fixture("dpop-proxy")
    }

    private func start(dpop: DPoPRequirement = .required) async throws -> (TestUpstream, GatewayHarness) {
        let upstream = try await TestUpstream.start()
        return (upstream, try await GatewayHarness.start(try self.rules(dpop: dpop, upstreamPort: upstream.port)))
    }

    private func rules(dpop: DPoPRequirement, upstreamPort: Int) throws -> Rules {
        let publicKey = try self.fixture.write("issuer.pub.pem", self.tokenKey.publicKey.pemRepresentation)
        let routes = [
            RouteRule(
                name: "orders",
                path: .prefix("/orders"),
                upstream: "up",
                scopes: ["orders:read"],
                dpop: dpop,
                claimsToHeaders: [ClaimHeader(name: "X-Tenant", claim: "tenant"), ClaimHeader(name: "X-Roles", claim: "roles")]
            )
        ]
        return try self.fixture.rules(upstreamPort: upstreamPort, routes: routes) {
            $0.keys = [KeyRule(id: "issuer", alg: .es256, material: .publicKeyFile(publicKey))]
            $0.replay = ReplayRules(window: .seconds(300), capacity: 1000)
        }
    }

    private func token(boundTo jkt: String?, now: Int64) throws -> String {
        let signer = try JWTSigner(algorithm: .es256, privateKeyPEM: self.tokenKey.pemRepresentation, keyID: "issuer")
        var claims = JWTClaims(sub: "alice", exp: now + 600, iat: now, scopes: ["orders:read"], scopeClaim: "scope")
        claims.jkt = jkt
        claims.jti = DPoPProofSigner.randomJTI()
        return try signer.sign(claims, privateClaims: [(name: "tenant", value: "acme\r\nX-Evil: 1")])
    }

    private func proofSigner() throws -> DPoPProofSigner {
        try DPoPProofSigner(privateKeyPEM: self.clientKey.pemRepresentation)
    }

    @Test(arguments: WireProtocol.allCases)
    func aBoundTokenWithItsProofIsForwardedWithoutCredentialsAndWithItsClaims(wire: WireProtocol) async throws {
        let (upstream, gateway) = try await self.start()
        let client = try await ScenarioClient.connect(wire, port: gateway.port, caPEM: self.fixture.caPEM)
        let now = Int64(Date().timeIntervalSince1970)
        let proofs = try self.proofSigner()
        let token = try self.token(boundTo: proofs.thumbprint, now: now)
        let proof = try proofs.proof(method: "GET", url: "https://localhost/orders/7?page=2", accessToken: token, issuedAt: now, jti: DPoPProofSigner.randomJTI())

        let response = try await client.send(
            "GET", "/orders/7?page=2",
            [("Authorization", "DPoP \(token)"), ("DPoP", proof), ("X-Tenant", "forged"), ("X-Roles", "admin")]
        )
        #expect(response.status == 200, "\(response.bodyText)")
        #expect(response.bodyText.contains("h:x-auth-subject=alice\n"))
        // The claim's CR LF became spaces: one field, the header block intact.
        #expect(response.bodyText.contains("h:x-tenant=acme  X-Evil: 1\n"))
        #expect(!response.bodyText.contains("h:x-evil"))
        // The client's X-Tenant and X-Roles are removed; the token has no roles claim.
        #expect(!response.bodyText.contains("forged"))
        #expect(!response.bodyText.contains("h:x-roles"))
        #expect(!response.bodyText.contains("h:authorization="))
        #expect(!response.bodyText.contains("h:dpop="))

        let record = try #require(gateway.audit.all.last)
        #expect(record.decision == "allow")
        #expect(record.credential?.kind == "jwt")
        #expect(record.credential?.id == "issuer")
        #expect(record.credential?.jkt == proofs.thumbprint)
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test(arguments: WireProtocol.allCases)
    func aProofIsSingleUseAndARefusedOneConsumesNothing(wire: WireProtocol) async throws {
        let (upstream, gateway) = try await self.start()
        let client = try await ScenarioClient.connect(wire, port: gateway.port, caPEM: self.fixture.caPEM)
        let now = Int64(Date().timeIntervalSince1970)
        let proofs = try self.proofSigner()
        let token = try self.token(boundTo: proofs.thumbprint, now: now)
        let jti = DPoPProofSigner.randomJTI()
        let proof = try proofs.proof(method: "GET", url: "https://localhost/orders/1", accessToken: token, issuedAt: now, jti: jti)
        let fields = [("Authorization", "DPoP \(token)"), ("DPoP", proof)]

        // The same proof for another path is refused before the store sees its jti…
        let elsewhere = try await client.send("GET", "/orders/2", fields)
        #expect(elsewhere.status == 401)
        #expect(elsewhere.bodyText.contains(#""error":"invalid_dpop_proof""#))
        #expect(elsewhere.header("www-authenticate")?.hasPrefix(#"DPoP algs=""#) == true)
        // …so its first use on its own path passes, and the second is a replay.
        #expect(try await client.send("GET", "/orders/1", fields).status == 200)
        let replayed = try await client.send("GET", "/orders/1", fields)
        #expect(replayed.status == 401)
        #expect(replayed.bodyText.contains(#""error":"replayed_nonce""#))
        #expect(upstream.requests.all == ["/orders/1"])
        #expect(gateway.audit.all.map(\.reason) == ["invalid_dpop_proof", "ok", "replayed_nonce"])
        let exposition = String(decoding: gateway.metrics.exposition(), as: UTF8.self)
        for result in ["invalid_dpop_proof", "accepted", "replayed_nonce"] {
            #expect(exposition.contains(#"gateway_dpop_proofs_total{result="\#(result)"} 1"#), "\(result)")
        }
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test(arguments: WireProtocol.allCases)
    func aBoundTokenNeverPassesAsABearerToken(wire: WireProtocol) async throws {
        let (upstream, gateway) = try await self.start(dpop: .optional)
        let client = try await ScenarioClient.connect(wire, port: gateway.port, caPEM: self.fixture.caPEM)
        let now = Int64(Date().timeIntervalSince1970)
        let proofs = try self.proofSigner()
        let bound = try self.token(boundTo: proofs.thumbprint, now: now)
        let refused = try await client.send("GET", "/orders/1", [("Authorization", "Bearer \(bound)")])
        #expect(refused.status == 401)
        #expect(refused.bodyText.contains(#""error":"dpop_required""#))
        #expect(refused.header("www-authenticate") == #"DPoP algs="ES256 EdDSA RS256 PS256", error="dpop_required""#)
        #expect(!refused.bodyText.contains(bound))
        // On an optional route a plain bearer token still passes.
        let plain = try self.token(boundTo: nil, now: now)
        #expect(try await client.send("GET", "/orders/1", [("Authorization", "Bearer \(plain)")]).status == 200)
        #expect(upstream.requests.all.count == 1)
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    /// A reload that makes a route `dpop = "required"` refuses plain bearer tokens from the next
    /// request on; bound tokens with proofs pass under both rules.
    @Test(arguments: WireProtocol.allCases)
    func aReloadThatRequiresDPoPOnARouteAppliesToTheNextRequest(wire: WireProtocol) async throws {
        let (upstream, gateway) = try await self.start(dpop: .optional)
        let client = try await ScenarioClient.connect(wire, port: gateway.port, caPEM: self.fixture.caPEM)
        let now = Int64(Date().timeIntervalSince1970)
        let proofs = try self.proofSigner()
        let plain = try self.token(boundTo: nil, now: now)
        let bound = try self.token(boundTo: proofs.thumbprint, now: now)
        func withProof() throws -> [(String, String)] {
            let proof = try proofs.proof(method: "GET", url: "https://localhost/orders/1", accessToken: bound, issuedAt: now, jti: DPoPProofSigner.randomJTI())
            return [("Authorization", "DPoP \(bound)"), ("DPoP", proof)]
        }
        #expect(try await client.send("GET", "/orders/1", [("Authorization", "Bearer \(plain)")]).status == 200)
        #expect(try await client.send("GET", "/orders/1", try withProof()).status == 200)

        gateway.server.apply(try ProxyConfiguration(rules: try self.rules(dpop: .required, upstreamPort: upstream.port), auditSink: gateway.audit))
        await gateway.server.waitUntilApplied()
        let refused = try await client.send("GET", "/orders/1", [("Authorization", "Bearer \(plain)")])
        #expect(refused.status == 401)
        #expect(refused.bodyText.contains(#""error":"dpop_required""#))
        #expect(try await client.send("GET", "/orders/1", try withProof()).status == 200)
        #expect(upstream.requests.all.count == 3)
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }
}
