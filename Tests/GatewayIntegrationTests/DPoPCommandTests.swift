import Crypto
import Foundation
import GatewayCredentials
import Testing

@testable import GatewayApp

/// `gateway dpop thumbprint`, `gateway token mint --jkt` and `gateway dpop proof` (SPEC §10):
/// what they print is what the gateway's own policy (through `gateway explain`) accepts on a
/// `dpop = "required"` route — and refuses when reused elsewhere.
@Suite(.timeLimit(.minutes(3))) struct DPoPCommandTests {
    let directory: URL

    init() throws {
        self.directory = try makeTemporaryDirectory("dpop-cli")
    }

    private func write(_ name: String, _ text: String) throws -> String {
        let path = self.directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A rules file with an HS256 key and a route that requires DPoP and sends `sub` upstream.
    private func rules() throws -> String {
        _ = try self.write("hs.secret", "a-test-secret-that-is-long-enough-for-hs256\n")
        return try self.write(
            "gateway.conf",
            """
            [dpop]
            algs = ["ES256", "EdDSA"]
            window = "60s"

            [[keys]]
            id = "hs"
            alg = "HS256"
            secret_file = "hs.secret"

            [[upstreams]]
            name = "up"
            targets = ["127.0.0.1:9"]

            [[routes]]
            name = "orders"
            path_prefix = "/orders"
            upstream = "up"
            scopes = ["orders:read"]
            dpop = "required"
            claims_to_headers = { "X-User" = "sub" }
            """
        )
    }

    /// A bound token for the client key at `keyPath`, minted with the commands.
    private func boundToken(clientKey keyPath: String) throws -> (token: String, jkt: String) {
        let (thumbprint, thumbprintStatus) = DPoPThumbprintCommand.run(keyFile: keyPath)
        #expect(thumbprintStatus == 0)
        let jkt = try #require(thumbprint.first)
        let secret = self.directory.appendingPathComponent("hs.secret").path
        let options = TokenMintCommand.Options(keyFile: secret, algorithm: "HS256", keyID: "hs", subject: "bob", scope: "orders:read", jkt: jkt)
        let (lines, status) = TokenMintCommand.run(options)
        #expect(status == 0)
        return (try #require(lines.first), jkt)
    }

    @Test func aMintedBoundTokenWithAProofFromTheCommandIsAllowed() throws {
        let rulesPath = try self.rules()
        let keyPath = try self.write("client.pem", P256.Signing.PrivateKey().pemRepresentation)
        let (token, jkt) = try self.boundToken(clientKey: keyPath)
        let url = "http://api.example.com/orders/1?page=2"
        let (proofLines, proofStatus) = DPoPProofCommand.run(
            DPoPProofCommand.Options(keyFile: keyPath, method: "get", url: url, token: token)
        )
        #expect(proofStatus == 0)
        let proofLine = try #require(proofLines.first)
        #expect(proofLine.hasPrefix("DPoP: ") && proofLines.count == 1)
        let headers = ["Authorization: DPoP \(token)", proofLine]

        let (allowed, status) = ExplainCommand.run(rulesPath: rulesPath, method: "GET", url: url, headers: headers)
        #expect(status == 0)
        #expect(allowed.contains("credential: jwt:hs, subject bob, scopes [orders:read], DPoP key \(jkt)"), "\(allowed)")
        #expect(allowed.contains("  pass  dpop jkt: the token's cnf.jkt"))
        #expect(allowed.contains("header: X-User: bob"))
        #expect(allowed.contains { $0.hasPrefix("dpop: the proof's jti would be recorded under dpop:\(jkt)") })
        #expect(allowed.last?.hasPrefix("decision: allow") == true)

        // The same proof for another method, or with the token as a bearer token, is refused.
        let (post, _) = ExplainCommand.run(rulesPath: rulesPath, method: "POST", url: url, headers: headers)
        #expect(post.contains("  FAIL  dpop htm: htm is \"GET\", the request's method is POST"))
        #expect(post.contains { $0.hasPrefix("decision: deny 401 invalid_dpop_proof") })
        #expect(post.contains(#"answer header: WWW-Authenticate: DPoP algs="ES256 EdDSA", error="invalid_dpop_proof""#))
        let (bearer, _) = ExplainCommand.run(rulesPath: rulesPath, method: "GET", url: url, headers: ["Authorization: Bearer \(token)"])
        #expect(bearer.contains { $0.hasPrefix("decision: deny 401 dpop_required") })
        // Nothing explain prints holds the token or the proof.
        for line in allowed + post + bearer { #expect(!line.contains(token) && !line.contains(String(proofLine.dropFirst(6)))) }
    }

    @Test func anEd25519ClientKeyWorksToo() throws {
        let rulesPath = try self.rules()
        let keyPath = try self.write("client-ed.pem", Curve25519.Signing.PrivateKey().pemRepresentation)
        let (token, _) = try self.boundToken(clientKey: keyPath)
        let url = "https://api.example.com/orders/7"
        let (proof, _) = DPoPProofCommand.run(DPoPProofCommand.Options(keyFile: keyPath, method: "GET", url: url, token: token))
        let (lines, _) = ExplainCommand.run(rulesPath: rulesPath, method: "GET", url: url, headers: ["Authorization: DPoP \(token)"] + proof)
        #expect(lines.contains("  pass  dpop alg: EdDSA, one of ES256 EdDSA"))
        #expect(lines.last?.hasPrefix("decision: allow") == true)
    }

    @Test func thumbprintsOfThePublicAndPrivateHalvesAgree() throws {
        let key = P256.Signing.PrivateKey()
        let privatePath = try self.write("k.pem", key.pemRepresentation)
        let publicPath = try self.write("k.pub.pem", key.publicKey.pemRepresentation)
        let fromPrivate = DPoPThumbprintCommand.run(keyFile: privatePath)
        let fromPublic = DPoPThumbprintCommand.run(keyFile: publicPath)
        #expect(fromPrivate.status == 0 && fromPrivate.lines == fromPublic.lines)
        #expect(fromPrivate.lines.first?.utf8.count == 43)
        let garbage = try self.write("not-a-key.pem", "hello\n")
        #expect(DPoPThumbprintCommand.run(keyFile: garbage) == (["error: --key: not a PEM file"], 1))
        #expect(DPoPThumbprintCommand.run(keyFile: "/nonexistent.pem").status == 1)
    }

    @Test func badInputIsRefusedWithTheOptionItConcerns() throws {
        _ = try self.rules()
        let keyPath = try self.write("client.pem", P256.Signing.PrivateKey().pemRepresentation)
        let publicPath = try self.write("client.pub.pem", P256.Signing.PrivateKey().publicKey.pemRepresentation)
        let secret = self.directory.appendingPathComponent("hs.secret").path
        let badJKT = TokenMintCommand.run(TokenMintCommand.Options(keyFile: secret, algorithm: "HS256", jkt: "not a thumbprint"))
        #expect(badJKT.status == 1 && badJKT.lines.first?.hasPrefix("error: --jkt:") == true)
        func proof(_ options: DPoPProofCommand.Options) -> String? {
            let (lines, status) = DPoPProofCommand.run(options)
            return status == 1 ? lines.first : nil
        }
        #expect(proof(.init(keyFile: keyPath, method: "GET", url: "/orders", token: "t"))?.hasPrefix("error: --url:") == true)
        #expect(proof(.init(keyFile: keyPath, method: "GET", url: "https://a/x", token: "t", algorithm: "HS256"))?.hasPrefix("error: --alg:") == true)
        #expect(proof(.init(keyFile: keyPath, method: "GET", url: "https://a/x", token: " "))?.hasPrefix("error: --token:") == true)
        #expect(proof(.init(keyFile: publicPath, method: "GET", url: "https://a/x", token: "t"))?.hasPrefix("error: --key:") == true)
        #expect(proof(.init(keyFile: "/nonexistent", method: "GET", url: "https://a/x", token: "t"))?.hasPrefix("error: --key:") == true)
        #expect(proof(.init(keyFile: keyPath, method: "GET", url: "https://a/x", token: "t", algorithm: "EdDSA"))?.hasPrefix("error: --key:") == true)
    }
}
