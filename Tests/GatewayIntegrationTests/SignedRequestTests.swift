import Crypto
import Foundation
@testable import GatewayApp
import GatewayCredentials
import GatewayRules
import NIOCore
import Testing

/// RFC 9421 signed requests over sockets on a replay-protected route: a captured request is
/// worthless, the body must match its digest, and the store bounds what it remembers.
@Suite(.timeLimit(.minutes(3))) struct SignedRequestTests {
    let directory: URL
    let key = Curve25519.Signing.PrivateKey()
    let publicKeyPath: String

    init() throws {
        self.directory = try makeTemporaryDirectory("signed")
        self.publicKeyPath = self.directory.appendingPathComponent("bot.pub.pem").path
        try self.key.publicKey.pemRepresentation.write(toFile: self.publicKeyPath, atomically: true, encoding: .utf8)
    }

    func start(capacity: Int = 1000, threads: Int = 1) async throws -> (TestUpstream, GatewayHarness) {
        let upstream = try await TestUpstream.start()
        let routes = [
            RouteRule(name: "billing", path: .prefix("/billing"), upstream: "up", auth: [.signature], scopes: ["billing:write"], replay: .required)
        ]
        let rules = testRules(upstreamPort: upstream.port, routes: routes) {
            $0.signingKeys = [SigningKeyRule(id: "bot", alg: .ed25519, material: .publicKeyFile(self.publicKeyPath), scopes: ["billing:write"])]
            $0.replay = ReplayRules(window: .seconds(300), capacity: capacity)
        }
        return (upstream, try await GatewayHarness.start(rules, threads: threads))
    }

    /// The raw request text of a signed POST (headers from `RequestSigner`, as `gateway sign` prints them).
    func signedRequest(port: Int, path: String, body: String, signedBody: String? = nil, created: Int64? = nil) throws -> String {
        let signer = try RequestSigner(keyID: "bot", privateKeyPEM: self.key.pemRepresentation)
        let request = try #require(SignedRequest(method: "POST", url: "http://127.0.0.1:\(port)\(path)"))
        let headers = try signer.sign(
            request,
            content: Array((signedBody ?? body).utf8),
            created: created ?? Int64(Date().timeIntervalSince1970)
        )
        var text = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Length: \(body.utf8.count)\r\n"
        for (name, value) in headers.fields { text += "\(name): \(value)\r\n" }
        return text + "\r\n" + body
    }

    @Test func aCapturedRequestIsWorthless() async throws {
        let (upstream, gateway) = try await self.start()
        let request = try self.signedRequest(port: gateway.port, path: "/billing/charge", body: #"{"amount":42}"#)
        let client = try await RawConnection.connect(port: gateway.port)
        try await client.send(request)
        let first = try #require(try await client.readResponse())
        #expect(first.status == 200, "\(first.bodyText)")
        #expect(first.bodyText.contains("h:x-auth-credential=signature:bot\n"))
        #expect(first.bodyText.contains("body=13\n"))
        #expect(!first.bodyText.contains("h:signature="))
        try await client.send(request)
        let replayed = try #require(try await client.readResponse())
        #expect(replayed.status == 401)
        #expect(replayed.bodyText.contains(#""error":"replayed_nonce""#))
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func theSameRequestOnSixteenConnectionsAtOnceIsAcceptedExactlyOnce() async throws {
        // Two event loops, so the claims race across threads on the shared store.
        let (upstream, gateway) = try await self.start(threads: 2)
        let request = try self.signedRequest(port: gateway.port, path: "/billing/once", body: "pay")
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    let client = try await RawConnection.connect(port: gateway.port)
                    try await client.send(request)
                    let status = try await client.readResponse()?.status ?? 0
                    await client.close()
                    return status
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses.filter { $0 == 200 }.count == 1)
        #expect(statuses.filter { $0 == 401 }.count == 15)
        #expect(gateway.audit.all.filter { $0.reason == "replayed_nonce" }.count == 15)
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func aBodyThatDoesNotMatchItsDigestNeverReachesTheUpstream() async throws {
        let (upstream, gateway) = try await self.start()
        let client = try await RawConnection.connect(port: gateway.port)
        let forged = try self.signedRequest(port: gateway.port, path: "/billing/charge", body: "amount=9999", signedBody: "amount=0001")
        try await client.send(forged)
        let refused = try #require(try await client.readResponse())
        #expect(refused.status == 401)
        #expect(refused.bodyText.contains(#""error":"digest_mismatch""#))
        #expect(upstream.connectionsAccepted.value == 0)
        // The refused request consumed no nonce: the genuine body with the same signature passes.
        let genuine = try self.signedRequest(port: gateway.port, path: "/billing/charge", body: "amount=0001")
        try await client.send(genuine)
        #expect(try await client.readResponse()?.status == 200)
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func staleCreatedIsOutOfWindow() async throws {
        let (upstream, gateway) = try await self.start()
        let client = try await RawConnection.connect(port: gateway.port)
        let stale = try self.signedRequest(
            port: gateway.port,
            path: "/billing/x",
            body: "b",
            created: Int64(Date().timeIntervalSince1970) - 1000
        )
        try await client.send(stale)
        let response = try #require(try await client.readResponse())
        #expect(response.status == 401)
        #expect(response.bodyText.contains("timestamp_out_of_window"))
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func aFullStoreRefusesRatherThanForgets() async throws {
        let (upstream, gateway) = try await self.start(capacity: 16)
        let client = try await RawConnection.connect(port: gateway.port)
        var statuses: [Int] = []
        for index in 0..<40 {
            try await client.send(try self.signedRequest(port: gateway.port, path: "/billing/\(index)", body: "x"))
            statuses.append(try #require(try await client.readResponse()).status)
        }
        #expect(statuses.filter { $0 == 200 }.count <= 16)
        #expect(statuses.contains(503))
        #expect(gateway.audit.all.contains { $0.reason == "replay_store_full" && $0.status == 503 })
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func signCommandPrintsHeadersTheGatewayAccepts() async throws {
        let (upstream, gateway) = try await self.start()
        let keyPath = self.directory.appendingPathComponent("bot.pem").path
        try self.key.pemRepresentation.write(toFile: keyPath, atomically: true, encoding: .utf8)
        let bodyPath = self.directory.appendingPathComponent("body.json").path
        try #"{"ok":true}"#.write(toFile: bodyPath, atomically: true, encoding: .utf8)
        let url = "http://127.0.0.1:\(gateway.port)/billing/invoice?id=7"
        let (lines, status) = SignCommand.run(
            SignCommand.Options(keyID: "bot", privateKey: keyPath, method: "POST", url: url, bodyFile: bodyPath)
        )
        #expect(status == 0)
        #expect(lines.count == 3)
        let client = try await RawConnection.connect(port: gateway.port)
        try await client.send(
            "POST /billing/invoice?id=7 HTTP/1.1\r\nHost: 127.0.0.1:\(gateway.port)\r\nContent-Length: 11\r\n"
                + lines.map { $0 + "\r\n" }.joined() + "\r\n" + #"{"ok":true}"#
        )
        let response = try #require(try await client.readResponse())
        #expect(response.status == 200, "\(response.bodyText)")
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }
}
