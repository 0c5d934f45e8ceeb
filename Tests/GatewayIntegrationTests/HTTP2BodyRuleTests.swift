import Crypto
import Foundation
import GatewayCredentials
import GatewayRules
import NIOCore
import NIOHTTP1
import Testing
import GatewayTestSupport

/// SPEC §9 "Bodies and methods" over HTTP/2: a request has a body when its HEADERS frame has no
/// END_STREAM, whatever its method and whether it declares a length — and a signature must
/// then cover `content-digest`.
@Suite(.timeLimit(.minutes(3))) struct HTTP2BodyRuleTests {
    let authority: TestCertificateAuthority
    let directory: URL
    let key = Curve25519.Signing.PrivateKey()

    init() throws {
        self.authority = try TestCertificateAuthority()
        self.directory = try makeTemporaryDirectory("h2-body")
    }

    private func write(_ name: String, _ text: String) throws -> String {
        let path = self.directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func start() async throws -> (TestUpstream, GatewayHarness) {
        let upstream = try await TestUpstream.start()
        let cert = try self.write("server.pem", self.authority.serverCertificatePEM)
        let serverKey = try self.write("server.key", self.authority.serverKeyPEM)
        let publicKey = try self.write("bot.pub.pem", self.key.publicKey.pemRepresentation)
        let routes = [RouteRule(name: "signed", path: .prefix("/signed"), upstream: "up", auth: [.signature])]
        let rules = testRules(upstreamPort: upstream.port, routes: routes) {
            $0.server.tls = TLSRules(certFile: cert, keyFile: serverKey)
            $0.signingKeys = [SigningKeyRule(id: "bot", alg: .ed25519, material: .publicKeyFile(publicKey))]
        }
        return (upstream, try await GatewayHarness.start(rules))
    }

    /// The signature headers of a GET to `path` (its digest covered when `content` is given).
    private func signature(port: Int, path: String, content: String?) throws -> [(String, String)] {
        let signer = try RequestSigner(keyID: "bot", privateKeyPEM: self.key.pemRepresentation)
        let request = try #require(SignedRequest(method: "GET", url: "https://localhost\(path)"))
        let headers = try signer.sign(request, content: content.map { Array($0.utf8) }, created: Int64(Date().timeIntervalSince1970))
        return headers.fields.map { ($0.name, $0.value) }
    }

    @Test func aSignedGetWhoseDataFramesAreNotCoveredIsRefused() async throws {
        let (upstream, gateway) = try await self.start()
        let client = try await HTTP2TestClient.connect(port: gateway.port, caPEM: self.authority.caPEM)
        let headers = try self.signature(port: gateway.port, path: "/signed/x", content: nil)
        let response = try await client.request(method: .GET, path: "/signed/x", headers: headers, body: "smuggled", declareLength: false)
        #expect(response.status == 400)
        #expect(response.body.contains("malformed_credential"))
        #expect(upstream.requests.all.isEmpty)
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func aSignedGetWithABodyIsHeldToItsDigest() async throws {
        let (upstream, gateway) = try await self.start()
        let client = try await HTTP2TestClient.connect(port: gateway.port, caPEM: self.authority.caPEM)
        let headers = try self.signature(port: gateway.port, path: "/signed/y", content: "expected")
        let wrong = try await client.request(method: .GET, path: "/signed/y", headers: headers, body: "tampered", declareLength: false)
        #expect(wrong.status == 401)
        #expect(wrong.body.contains("digest_mismatch"))
        let right = try await client.request(method: .GET, path: "/signed/y", headers: headers, body: "expected", declareLength: false)
        #expect(right.status == 200)
        #expect(right.body.contains("body=8\n"))
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }
}
