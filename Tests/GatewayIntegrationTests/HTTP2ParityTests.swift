import Crypto
import Foundation
import GatewayCredentials
import GatewayProxy
import GatewayRules
import NIOCore
import NIOPosix
import Testing

/// The HTTP/1.1 integration scenarios that have an HTTP/2 meaning, each written once and run
/// over both protocols (HTTPS, ALPN), so policy, forwarding, limits, upstream failures and the
/// audit are proven the same for both (issue 16). HTTP/2-only behaviour (streams, resets,
/// trailers, GOAWAY) is in `HTTP2StreamTests`.
@Suite(.timeLimit(.minutes(3))) struct HTTP2ParityTests {
    let fixture: HTTP2Fixture

    init() throws {
        self.fixture = try HTTP2Fixture("h2-parity")
    }

    private func connect(_ wire: WireProtocol, _ gateway: GatewayHarness) async throws -> ScenarioClient {
        try await ScenarioClient.connect(wire, port: gateway.port, caPEM: self.fixture.caPEM)
    }

    // MARK: Routing answers (RoutingAnswerTests)

    @Test(arguments: WireProtocol.allCases)
    func refusalsCarryTheJSONBodyAndHeaders(wire: WireProtocol) async throws {
        let routes = [
            RouteRule(name: "read", path: .prefix("/orders"), methods: ["GET"], upstream: "up", isPublic: true),
            RouteRule(name: "private", path: .prefix("/private"), upstream: "up"),
        ]
        let (upstream, gateway) = try await self.fixture.start(routes: routes)
        let client = try await self.connect(wire, gateway)

        let notFound = try await client.send("GET", "/nothing")
        #expect(notFound.status == 404)
        #expect(notFound.header("content-type") == "application/json")
        let id = try #require(notFound.header("x-request-id"))
        #expect(notFound.bodyText == #"{"error":"no_route","message":"No route matches the request.","request_id":"\#(id)"}"#)

        let notAllowed = try await client.send("DELETE", "/orders/1")
        #expect(notAllowed.status == 405)
        #expect(notAllowed.header("allow") == "GET, HEAD")
        #expect(notAllowed.bodyText.contains("method_not_allowed"))

        let malformed = try await client.send("GET", "/private/x", [("Authorization", "Bearer abc.def.ghi")])
        #expect(malformed.status == 400)
        #expect(malformed.bodyText.contains(#""error":"malformed_credential""#))
        #expect(!malformed.bodyText.contains("abc.def.ghi"))

        #expect(try await client.send("GET", "/orders/../../etc/passwd").status == 400)
        // Normalised to /private/x: a protected route, never the public one's upstream.
        #expect(try await client.send("GET", "/orders/%2e%2e/private/x").status == 401)
        #expect(try await client.send("GET", "/orders%2Fx").status == 400)

        #expect(upstream.connectionsAccepted.value == 0)
        let reasons = gateway.audit.all.map(\.reason)
        #expect(reasons == ["no_route", "method_not_allowed", "malformed_credential", "bad_path", "missing_credential", "bad_path"])
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    // MARK: Credentials (CredentialEndToEndTests, SignedRequestTests)

    @Test(arguments: WireProtocol.allCases)
    func everyAlgorithmAndAPIKeys(wire: WireProtocol) async throws {
        let keys = try CredentialEndToEndTests.KeySet(directory: self.fixture.directory)
        let apiKey = CredentialEndToEndTests.apiKey
        let routes = [
            RouteRule(name: "orders", path: .prefix("/orders"), upstream: "up", scopes: ["orders:read"]),
            RouteRule(name: "raw", path: .prefix("/raw"), upstream: "up", forwardCredentials: true),
        ]
        let (upstream, gateway) = try await self.fixture.start(routes: routes) {
            $0.keys = keys.rules
            $0.apiKeys = [APIKeyRule(id: "acme", hash: APIKeyGenerator.hash(of: apiKey), scopes: ["orders:read"], subject: "acme-corp")]
        }
        let client = try await self.connect(wire, gateway)
        let now = Int64(Date().timeIntervalSince1970)
        for alg in JWTAlgorithm.allCases {
            let claims = JWTClaims(sub: "user-\(alg.rawValue)", exp: now + 600, iat: now, scopes: ["orders:read", "x"], scopeClaim: "scope")
            let token = try #require(try keys.signers[alg]?.sign(claims))
            let response = try await client.send("GET", "/orders/1", [("Authorization", "Bearer \(token)")])
            #expect(response.status == 200, "\(alg.rawValue): \(response.bodyText)")
            #expect(response.bodyText.contains("h:x-auth-credential=jwt:k-\(alg.rawValue.lowercased())\n"), "\(alg.rawValue)")
            #expect(response.bodyText.contains("h:x-auth-subject=user-\(alg.rawValue)\n"))
            #expect(response.bodyText.contains("h:x-auth-scopes=orders:read x\n"))
            #expect(!response.bodyText.contains("h:authorization="))
            var tampered = Array(token.utf8)
            let index = tampered.count - 2
            tampered[index] = tampered[index] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            let refused = try await client.send("GET", "/orders/1", [("Authorization", "Bearer \(String(decoding: tampered, as: UTF8.self))")])
            #expect(refused.status == 401, "\(alg.rawValue)")
        }
        let keyed = try await client.send("GET", "/orders/2", [("X-API-Key", apiKey), ("X-Auth-Subject", "forged")])
        #expect(keyed.status == 200)
        #expect(keyed.bodyText.contains("h:x-auth-credential=api_key:acme\n"))
        #expect(keyed.bodyText.contains("h:x-auth-subject=acme-corp\n"))
        #expect(!keyed.bodyText.contains("forged"))
        #expect(!keyed.bodyText.contains(apiKey))
        let forwarded = try await client.send("GET", "/raw", [("X-API-Key", apiKey)])
        #expect(forwarded.bodyText.contains("h:x-api-key=\(apiKey)\n"))
        let records = gateway.audit.all
        #expect(records.filter { $0.credential?.kind == "jwt" && $0.decision == "allow" }.count == JWTAlgorithm.allCases.count)
        #expect(records.contains { $0.credential?.id == "acme" && $0.subject == "acme-corp" })
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test(arguments: WireProtocol.allCases)
    func signedRequestsAreHeldToTheirDigestAndNonce(wire: WireProtocol) async throws {
        let key = Curve25519.Signing.PrivateKey()
        let publicKey = try self.fixture.write("bot.pub.pem", key.publicKey.pemRepresentation)
        let routes = [
            RouteRule(name: "billing", path: .prefix("/billing"), upstream: "up", auth: [.signature], scopes: ["billing:write"], replay: .required)
        ]
        let (upstream, gateway) = try await self.fixture.start(routes: routes) {
            $0.signingKeys = [SigningKeyRule(id: "bot", alg: .ed25519, material: .publicKeyFile(publicKey), scopes: ["billing:write"])]
            $0.replay = ReplayRules(window: .seconds(300), capacity: 1000)
        }
        let signer = try RequestSigner(keyID: "bot", privateKeyPEM: key.pemRepresentation)
        func signed(_ path: String, content: String) throws -> [(String, String)] {
            let request = try #require(SignedRequest(method: "POST", url: "https://localhost\(path)"))
            let headers = try signer.sign(request, content: Array(content.utf8), created: Int64(Date().timeIntervalSince1970))
            return headers.fields.map { ($0.name, $0.value) }
        }
        let client = try await self.connect(wire, gateway)
        // The body does not match its digest: held, refused, never forwarded.
        let forged = try signed("/billing/charge", content: "amount=0001")
        let refused = try await client.send("POST", "/billing/charge", forged, body: "amount=9999")
        #expect(refused.status == 401)
        #expect(refused.bodyText.contains(#""error":"digest_mismatch""#))
        #expect(upstream.requests.all.isEmpty)
        // The refused request consumed no nonce: the genuine body with the same signature passes…
        let genuine = try await client.send("POST", "/billing/charge", forged, body: "amount=0001")
        #expect(genuine.status == 200, "\(genuine.bodyText)")
        #expect(genuine.bodyText.contains("h:x-auth-credential=signature:bot\n"))
        #expect(genuine.bodyText.contains("body=11\n"))
        #expect(!genuine.bodyText.contains("h:signature="))
        // …once: a captured request is worthless.
        let replayed = try await client.send("POST", "/billing/charge", forged, body: "amount=0001")
        #expect(replayed.status == 401)
        #expect(replayed.bodyText.contains(#""error":"replayed_nonce""#))
        #expect(gateway.audit.all.map(\.reason) == ["digest_mismatch", "ok", "replayed_nonce"])
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    // MARK: Forwarding (ForwardingTests)

    @Test(arguments: WireProtocol.allCases)
    func forwardsRewrittenHeadersAndStripsCredentials(wire: WireProtocol) async throws {
        let (upstream, gateway) = try await self.fixture.start()
        let client = try await self.connect(wire, gateway)
        let response = try await client.send(
            "GET",
            "/echo?a=1&b=%2F",
            [
                ("X-Auth-Subject", "forged"), ("X-Auth-Scopes", "admin"), ("Authorization", "Basic dXNlcjpwYXNz"),
                ("X-API-Key", "k"), ("X-Custom", "kept"), ("X-Forwarded-For", "6.6.6.6"), ("X-Forwarded-Proto", "http"),
                ("X-Forwarded-Host", "evil"), ("TE", "trailers"),
            ],
            host: "API.Example.com:8443"
        )
        #expect(response.status == 200)
        let echoed = response.bodyText
        #expect(echoed.contains("target=/echo?a=1&b=%2F\n"))
        // HTTP/2: `Host` from `:authority` (RFC 9113 §8.3.1).
        #expect(echoed.lowercased().contains("h:host=api.example.com:8443\n"))
        #expect(echoed.contains("h:x-custom=kept\n"))
        for stripped in ["te", "x-auth-subject", "x-auth-scopes", "authorization", "x-api-key"] {
            #expect(!echoed.contains("h:\(stripped)="), "\(stripped) must not reach the upstream")
        }
        #expect(echoed.contains("h:x-forwarded-for=127.0.0.1\n"))
        #expect(echoed.contains("h:x-forwarded-proto=https\n"))
        #expect(echoed.lowercased().contains("h:x-forwarded-host=api.example.com:8443\n"))
        #expect(!echoed.contains("6.6.6.6") && !echoed.contains("evil"))
        // The upstream's own hop-by-hop fields stay on its side.
        #expect(response.header("x-hop") == nil)
        #expect(response.header("connection") == nil)
        #expect(response.header("x-upstream") == "test")
        let record = try #require(gateway.audit.all.first)
        #expect(record.host == "api.example.com")
        #expect(record.client == "127.0.0.1")
        #expect(response.header("x-request-id") == record.requestID)
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test(arguments: WireProtocol.allCases)
    func requestIDsAreKeptWhenValidAndGeneratedOtherwise(wire: WireProtocol) async throws {
        let (upstream, gateway) = try await self.fixture.start()
        let client = try await self.connect(wire, gateway)
        let kept = try await client.send("GET", "/", [("X-Request-Id", "abc.DEF_123-x")])
        #expect(kept.header("x-request-id") == "abc.DEF_123-x")
        #expect(kept.bodyText.contains("h:x-request-id=abc.DEF_123-x\n"))
        let generated = try await client.send("GET", "/", [("X-Request-Id", "bad id with spaces")])
        let id = try #require(generated.header("x-request-id"))
        #expect(id != "bad id with spaces")
        #expect(id.allSatisfy { $0.isHexDigit })
        #expect(generated.bodyText.contains("h:x-request-id=\(id)\n"))
        #expect(gateway.audit.all.map(\.requestID) == ["abc.DEF_123-x", id])
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test(arguments: WireProtocol.allCases)
    func headRequestsGetHeadersWithoutBody(wire: WireProtocol) async throws {
        let (upstream, gateway) = try await self.fixture.start()
        let client = try await self.connect(wire, gateway)
        let head = try await client.send("HEAD", "/download/1000")
        #expect(head.status == 200)
        #expect(head.header("content-length") == "1000")
        #expect(head.body.readableBytes == 0)
        // The connection is still in step: the next response parses.
        let next = try await client.send("GET", "/download/10")
        #expect(next.body.readableBytes == 10)
        #expect(gateway.audit.all.map(\.method) == ["HEAD", "GET"])
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    // MARK: Limits (ProtocolLimitTests)

    @Test(arguments: WireProtocol.allCases)
    func aDeclaredBodyOverTheLimitAnswers413BeforeForwarding(wire: WireProtocol) async throws {
        let (upstream, gateway) = try await self.fixture.start { $0.server.maxBodyBytes = 1000 }
        let client = try await self.connect(wire, gateway)
        let response = try await client.send("POST", "/upload", body: String(repeating: "z", count: 5000))
        #expect(response.status == 413)
        #expect(response.bodyText.contains("body_too_large"))
        #expect(upstream.connectionsAccepted.value == 0)
        let record = try #require(gateway.audit.all.first)
        #expect(record.decision == "deny" && record.reason == "body_too_large" && record.status == 413)
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    // MARK: Upstream failures (UpstreamFailureTests, RequestPathContractTests)

    @Test(arguments: WireProtocol.allCases)
    func aClosedPortAnswers502(wire: WireProtocol) async throws {
        let refusing = try RefusingPort()
        let port = refusing.port
        let rules = try self.fixture.rules(upstreamPort: port, routes: [publicRoute()])
        let gateway = try await GatewayHarness.start(rules)
        let client = try await self.connect(wire, gateway)
        let response = try await client.send("GET", "/")
        #expect(response.status == 502)
        #expect(response.bodyText.contains(#""error":"upstream_unavailable""#))
        let record = try #require(gateway.audit.all.first)
        #expect(record.decision == "allow" && record.reason == "upstream_unavailable" && record.status == 502)
        // The connection stays usable.
        #expect(try await client.send("GET", "/").status == 502)
        await client.close()
        try await gateway.stop()
        withExtendedLifetime(refusing) {}  // the port refuses until here
    }

    @Test(arguments: WireProtocol.allCases)
    func aSilentUpstreamAnswers504(wire: WireProtocol) async throws {
        let (upstream, gateway) = try await self.fixture.start { $0.upstreams[0].responseTimeout = .milliseconds(300) }
        let client = try await self.connect(wire, gateway)
        let response = try await client.send("GET", "/hang")
        #expect(response.status == 504)
        #expect(response.bodyText.contains("upstream_timeout"))
        let record = try #require(gateway.audit.all.first)
        #expect(record.decision == "allow" && record.reason == "upstream_timeout" && record.status == 504)
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test(arguments: WireProtocol.allCases)
    func anIdempotentRequestIsRetriedOnceAndAPostNever(wire: WireProtocol) async throws {
        let (upstream, gateway) = try await self.fixture.start()
        let client = try await self.connect(wire, gateway)
        // GET: sent once more on a fresh connection, never a third time.
        #expect(try await client.send("GET", "/drop").status == 502)
        #expect(upstream.requests.all.filter { $0 == "/drop" }.count == 2)
        // POST on a pooled connection the upstream drops: never sent a second time.
        #expect(try await client.send("GET", "/warm").status == 200)
        #expect(try await client.send("POST", "/drop", body: "x").status == 502)
        #expect(upstream.requests.all.filter { $0 == "/drop" }.count == 3)
        #expect(gateway.audit.all.map(\.status) == [502, 200, 502])
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    // MARK: Streaming (StreamingTests)

    @Test(arguments: WireProtocol.allCases)
    func aLargeDownloadStreamsThrough(wire: WireProtocol) async throws {
        let (upstream, gateway) = try await self.fixture.start()
        let client = try await self.connect(wire, gateway)
        let size = 16 * 1024 * 1024
        let response = try await client.send("GET", "/download/\(size)")
        #expect(response.status == 200)
        #expect(response.body.readableBytes == size)
        let intact = response.body.withUnsafeReadableBytes { bytes in
            holdsDownloadPattern(bytes)
        }
        #expect(intact)
        #expect(gateway.audit.all.first?.bytesOut == Int64(size))
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }
}
