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

    private func start(maxBodyBytes: Int? = nil) async throws -> (TestUpstream, GatewayHarness) {
        let upstream = try await TestUpstream.start()
        let cert = try self.write("server.pem", self.authority.serverCertificatePEM)
        let serverKey = try self.write("server.key", self.authority.serverKeyPEM)
        let publicKey = try self.write("bot.pub.pem", self.key.publicKey.pemRepresentation)
        let routes = [RouteRule(name: "signed", path: .prefix("/signed"), upstream: "up", auth: [.signature])]
        let rules = testRules(upstreamPort: upstream.port, routes: routes) {
            $0.server.tls = TLSRules(certFile: cert, keyFile: serverKey)
            $0.signingKeys = [SigningKeyRule(id: "bot", alg: .ed25519, material: .publicKeyFile(publicKey))]
            if let maxBodyBytes { $0.server.maxBodyBytes = maxBodyBytes }
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

    /// Bodies read whole for their digest share one budget per connection, `max_body_bytes`:
    /// a younger stream gets no credit while the oldest's body fills it, and gets it once that
    /// body is released, so 128 streams cannot make one connection hold 128 bodies.
    @Test func heldBodiesShareOneBudgetPerConnection() async throws {
        let (upstream, gateway) = try await self.start(maxBodyBytes: 100_000)
        let connection = try await RawHTTP2Connection.connect(port: gateway.port, caPEM: self.authority.caPEM)
        _ = await connection.waitForServerSettings()
        let body = String(repeating: "a", count: 90_000)
        let chunk = ByteBuffer(string: String(repeating: "a", count: 15_000))
        let (first, second) = (connection.newStreamID(), connection.newStreamID())
        for stream in [first, second] {
            let path = "/signed/\(stream)"
            // HTTP/2 field names are lowercase (RFC 9113 §8.2.1).
            let fields = try self.signature(port: gateway.port, path: path, content: body).map { ($0.0.lowercased(), $0.1) }
            // 60,000 bytes each: inside the 65,535-byte stream window, so sent without credit.
            try await connection.send([.headers(stream, try connection.requestBlock("GET", path, fields), endStream: false)]
                + Array(repeating: RawFrame.data(stream, chunk, endStream: false), count: 4))
        }
        var credited = try await Self.creditsUntilPingAck(connection, opaque: 1)
        #expect(credited[first, default: 0] >= 45_000)  // the oldest holding stream always gets credit
        #expect(credited[second, default: 0] == 0)  // 60,000 + 60,000 held, more would pass 100,000

        try await connection.send(.data(first, chunk, endStream: false), .data(first, chunk, endStream: true))
        let firstResponse = try await connection.readResponse(first)
        #expect(firstResponse.status == 200)
        credited = try await Self.creditsUntilPingAck(connection, opaque: 2)
        #expect(credited[second, default: 0] >= 45_000)  // the first body was released
        try await connection.send(.data(second, chunk, endStream: false), .data(second, chunk, endStream: true))
        #expect(try await connection.readResponse(second).status == 200)
        #expect(upstream.requests.all.count == 2)
        await connection.close()
        try await gateway.stop()
        await upstream.stop()
    }

    /// The WINDOW_UPDATE increments per stream the server sent before it answered a PING: the
    /// server handles frames in order, so that is every credit for what was sent before.
    private static func creditsUntilPingAck(_ connection: RawHTTP2Connection, opaque: UInt64) async throws -> [UInt32: Int] {
        try await connection.send(.ping(opaque))
        var credited: [UInt32: Int] = [:]
        while let frame = await connection.nextFrame() {
            if frame.kind == .ping, frame.flags & RawFrame.ack != 0 { return credited }
            if frame.kind == .windowUpdate, frame.streamID != 0 {
                credited[frame.streamID, default: 0] += Int(frame.payload.getInteger(at: frame.payload.readerIndex, as: UInt32.self) ?? 0)
            }
        }
        throw TestError("the connection closed before the PING was answered")
    }
}
