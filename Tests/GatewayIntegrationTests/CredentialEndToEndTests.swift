import Crypto
import Foundation
import GatewayCredentials
import GatewayRules
import NIOCore
import Testing
import _CryptoExtras

/// Every credential kind and every JWT algorithm, end to end over sockets, with keys generated
/// at test time: what the upstream receives, and what is refused.
@Suite(.timeLimit(.minutes(3))) struct CredentialEndToEndTests {
    static let apiKey = "gk_endtoend_0123456789abcdefghijklmnopqrstu"

    /// Key files and signers for every algorithm SPEC lists.
    struct KeySet {
        var rules: [KeyRule] = []
        var signers: [JWTAlgorithm: JWTSigner] = [:]

        init(directory: URL) throws {
            func write(_ name: String, _ text: String) throws -> String {
                let path = directory.appendingPathComponent(name).path
                try text.write(toFile: path, atomically: true, encoding: .utf8)
                return path
            }
            let rsa = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            let p256 = P256.Signing.PrivateKey()
            let p384 = P384.Signing.PrivateKey()
            let ed = Curve25519.Signing.PrivateKey()
            let secret = Array("end-to-end-hmac-secret-with-plenty-of-bytes-for-hs512-0123456789".utf8)
            let rsaPublic = try write("rsa.pub.pem", rsa.publicKey.pemRepresentation)
            for alg in JWTAlgorithm.allCases {
                let id = "k-\(alg.rawValue.lowercased())"
                let material: KeyRule.Material
                let signer: JWTSigner
                switch alg {
                case .hs256, .hs384, .hs512:
                    material = .secret(Secret(bytes: secret, source: .inline))
                    signer = try JWTSigner(algorithm: alg, secret: secret, keyID: id)
                case .rs256, .rs384, .rs512, .ps256, .ps384, .ps512:
                    material = .publicKeyFile(rsaPublic)
                    signer = try JWTSigner(algorithm: alg, privateKeyPEM: rsa.pemRepresentation, keyID: id)
                case .es256:
                    material = .publicKeyFile(try write("p256.pub.pem", p256.publicKey.pemRepresentation))
                    signer = try JWTSigner(algorithm: alg, privateKeyPEM: p256.pemRepresentation, keyID: id)
                case .es384:
                    material = .publicKeyFile(try write("p384.pub.pem", p384.publicKey.pemRepresentation))
                    signer = try JWTSigner(algorithm: alg, privateKeyPEM: p384.pemRepresentation, keyID: id)
                case .eddsa:
                    material = .publicKeyFile(try write("ed.pub.pem", ed.publicKey.pemRepresentation))
                    signer = try JWTSigner(algorithm: alg, privateKeyPEM: ed.pemRepresentation, keyID: id)
                }
                self.rules.append(KeyRule(id: id, alg: alg, material: material))
                self.signers[alg] = signer
            }
        }
    }

    @Test func everyAlgorithmAndAPIKeysOverSockets() async throws {
        let directory = try makeTemporaryDirectory("e2e")
        defer { try? FileManager.default.removeItem(at: directory) }
        let keys = try KeySet(directory: directory)
        let upstream = try await TestUpstream.start()
        let routes = [
            RouteRule(name: "orders", path: .prefix("/orders"), upstream: "up", scopes: ["orders:read"]),
            RouteRule(name: "raw", path: .prefix("/raw"), upstream: "up", forwardCredentials: true),
        ]
        let rules = testRules(upstreamPort: upstream.port, routes: routes) {
            $0.keys = keys.rules
            $0.apiKeys = [
                APIKeyRule(id: "acme", hash: APIKeyGenerator.hash(of: Self.apiKey), scopes: ["orders:read"], subject: "acme-corp")
            ]
        }
        let gateway = try await GatewayHarness.start(rules)
        let client = try await RawConnection.connect(port: gateway.port)
        let now = Int64(Date().timeIntervalSince1970)

        for alg in JWTAlgorithm.allCases {
            let claims = JWTClaims(sub: "user-\(alg.rawValue)", exp: now + 600, iat: now, scopes: ["orders:read", "x"], scopeClaim: "scope")
            let token = try #require(try keys.signers[alg]?.sign(claims))
            try await client.send("GET /orders/1 HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer \(token)\r\n\r\n")
            let response = try #require(try await client.readResponse())
            #expect(response.status == 200, "\(alg.rawValue): \(response.bodyText)")
            let echoed = response.bodyText
            #expect(echoed.contains("h:x-auth-credential=jwt:k-\(alg.rawValue.lowercased())\n"), "\(alg.rawValue)")
            #expect(echoed.contains("h:x-auth-subject=user-\(alg.rawValue)\n"))
            #expect(echoed.contains("h:x-auth-scopes=orders:read x\n"))
            #expect(!echoed.contains("h:authorization="))

            // One changed signature byte: refused, and nothing reaches the upstream.
            var tampered = Array(token.utf8)
            let index = tampered.count - 2
            tampered[index] = tampered[index] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            try await client.send("GET /orders/1 HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer \(String(decoding: tampered, as: UTF8.self))\r\n\r\n")
            let refused = try #require(try await client.readResponse())
            #expect(refused.status == 401, "\(alg.rawValue)")
            #expect(refused.bodyText.contains("bad_signature") || refused.bodyText.contains("malformed_credential"))
        }

        try await client.send("GET /orders/2 HTTP/1.1\r\nHost: a\r\nX-API-Key: \(Self.apiKey)\r\nX-Auth-Subject: forged\r\n\r\n")
        let keyed = try #require(try await client.readResponse())
        #expect(keyed.status == 200)
        #expect(keyed.bodyText.contains("h:x-auth-credential=api_key:acme\n"))
        #expect(keyed.bodyText.contains("h:x-auth-subject=acme-corp\n"))
        #expect(!keyed.bodyText.contains("forged"))
        #expect(!keyed.bodyText.contains(Self.apiKey))

        try await client.send("GET /raw HTTP/1.1\r\nHost: a\r\nX-API-Key: \(Self.apiKey)\r\n\r\n")
        let forwarded = try #require(try await client.readResponse())
        #expect(forwarded.bodyText.contains("h:x-api-key=\(Self.apiKey)\n"))

        let records = gateway.audit.all
        #expect(records.filter { $0.credential?.kind == "jwt" && $0.decision == "allow" }.count == JWTAlgorithm.allCases.count)
        #expect(records.contains { $0.credential?.id == "acme" && $0.subject == "acme-corp" })
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    /// The verified-token cache over a socket: a token seen again is answered from the cache with
    /// the same `X-Auth-*` lines, and a token that shares a cached token's length and its last
    /// eight bytes (all the cache key hashes) but differs earlier is not taken for it.
    @Test func aCachedTokenForwardsTheSameIdentityAndALookAlikeIsRefused() async throws {
        let directory = try makeTemporaryDirectory("e2e-cache")
        defer { try? FileManager.default.removeItem(at: directory) }
        let keys = try KeySet(directory: directory)
        let upstream = try await TestUpstream.start()
        let routes = [RouteRule(name: "orders", path: .prefix("/orders"), upstream: "up", scopes: ["orders:read"])]
        let gateway = try await GatewayHarness.start(testRules(upstreamPort: upstream.port, routes: routes) { $0.keys = keys.rules })
        let client = try await RawConnection.connect(port: gateway.port)
        let now = Int64(Date().timeIntervalSince1970)
        let claims = JWTClaims(sub: "cached-user", exp: now + 600, iat: now, scopes: ["orders:read"], scopeClaim: "scope")
        let token = try #require(try keys.signers[.es256]?.sign(claims))

        var lines: [String] = []
        for _ in 0..<3 {
            try await client.send("GET /orders/1 HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer \(token)\r\n\r\n")
            let response = try #require(try await client.readResponse())
            #expect(response.status == 200, "\(response.bodyText)")
            lines.append(response.bodyText.split(separator: "\n").filter { $0.hasPrefix("h:x-auth-") }.joined(separator: "\n"))
        }
        #expect(lines[0].contains("h:x-auth-subject=cached-user"))
        #expect(lines[0].contains("h:x-auth-credential=jwt:k-es256"))
        #expect(lines[1] == lines[0] && lines[2] == lines[0])

        // One byte of the payload changed: same length, same end, a different token.
        var lookAlike = Array(token.utf8)
        let payloadStart = try #require(lookAlike.firstIndex(of: UInt8(ascii: "."))) + 1
        let index = payloadStart + 4
        lookAlike[index] = lookAlike[index] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(lookAlike.count == token.utf8.count && lookAlike.suffix(8) == Array(token.utf8).suffix(8))
        try await client.send("GET /orders/1 HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer \(String(decoding: lookAlike, as: UTF8.self))\r\n\r\n")
        let refused = try #require(try await client.readResponse())
        #expect(refused.status == 401)
        #expect(refused.bodyText.contains("bad_signature") || refused.bodyText.contains("malformed_credential"))
        #expect(gateway.audit.all.filter { $0.decision == "allow" }.count == 3)
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }
}
