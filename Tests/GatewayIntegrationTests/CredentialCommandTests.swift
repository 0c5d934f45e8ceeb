import Foundation
@testable import GatewayApp
import GatewayCredentials
import GatewayRules
import Testing

/// `gateway key new`, `gateway token mint` and `gateway explain`: what they print works with
/// the rest of the gateway.
@Suite(.timeLimit(.minutes(3))) struct CredentialCommandTests {
    let directory: URL

    init() throws {
        self.directory = try makeTemporaryDirectory("cli")
    }

    private func write(_ name: String, _ text: String) throws -> String {
        let path = self.directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func rules(apiKeyBlock: String = "") throws -> String {
        _ = try self.write("hs.secret", "a-test-secret-that-is-long-enough-for-hs256\n")
        return try self.write(
            "gateway.conf",
            """
            [[keys]]
            id = "hs"
            alg = "HS256"
            secret_file = "hs.secret"

            \(apiKeyBlock)

            [[upstreams]]
            name = "up"
            targets = ["127.0.0.1:9"]

            [[routes]]
            name = "orders"
            path_prefix = "/orders"
            upstream = "up"
            scopes = ["orders:read"]
            """
        )
    }

    @Test func keyNewPrintsAKeyWhoseBlockTheRulesAccept() throws {
        let (lines, status) = KeyNewCommand.run(id: "acme", scopes: ["orders:read"], prefix: "gk")
        #expect(status == 0)
        let key = try #require(lines.first { $0.hasPrefix("gk_") })
        let block = lines.drop { !$0.hasPrefix("[[api_keys]]") }.joined(separator: "\n")
        #expect(!block.contains(key))
        let rulesPath = try self.rules(apiKeyBlock: block)
        let (allowed, _) = ExplainCommand.run(rulesPath: rulesPath, method: "GET", url: "http://a/orders/1", headers: ["X-API-Key: \(key)"])
        #expect(allowed.last?.hasPrefix("decision: allow") == true, "\(allowed)")
        let (other, _) = KeyNewCommand.run(id: nil, scopes: [], prefix: "gk")
        #expect(other.first { $0.hasPrefix("gk_") } != key)
    }

    @Test func tokenMintSignsWhatTheGatewayAccepts() throws {
        let rulesPath = try self.rules()
        let secretPath = self.directory.appendingPathComponent("hs.secret").path
        let options = TokenMintCommand.Options(keyFile: secretPath, algorithm: "HS256", keyID: "hs", subject: "bob", scope: "orders:read", withJTI: true)
        let (lines, status) = TokenMintCommand.run(options)
        #expect(status == 0)
        let token = try #require(lines.first)
        #expect(token.split(separator: ".").count == 3)
        let (explained, explainStatus) = ExplainCommand.run(
            rulesPath: rulesPath,
            method: "GET",
            url: "http://a/orders/1",
            headers: ["Authorization: Bearer \(token)"]
        )
        #expect(explainStatus == 0)
        #expect(explained.contains("credential: jwt:hs, subject bob, scopes [orders:read]"))
        #expect(explained.last?.hasPrefix("decision: allow") == true)
        // The default kid is the key file's name: "hs" here.
        let defaultKid = TokenMintCommand.run(TokenMintCommand.Options(keyFile: secretPath, algorithm: "HS256"))
        #expect(defaultKid.status == 0)
    }

    @Test func tokenMintRefusesBadInput() throws {
        _ = try self.rules()
        let secretPath = self.directory.appendingPathComponent("hs.secret").path
        #expect(TokenMintCommand.run(TokenMintCommand.Options(keyFile: secretPath, algorithm: "HS999")).status == 1)
        #expect(TokenMintCommand.run(TokenMintCommand.Options(keyFile: secretPath, algorithm: "HS256", ttl: "soon")).status == 1)
        #expect(TokenMintCommand.run(TokenMintCommand.Options(keyFile: "/nonexistent", algorithm: "HS256")).status == 1)
    }

    @Test func explainShowsEachCheckAndExitsZeroForADenial() throws {
        let rulesPath = try self.rules()
        let (lines, status) = ExplainCommand.run(rulesPath: rulesPath, method: "GET", url: "http://a/orders/1", headers: [])
        #expect(status == 0)
        #expect(lines.contains("  pass  route: matched orders"))
        #expect(lines.contains { $0.hasPrefix("  FAIL  credential:") })
        #expect(lines.contains("decision: deny 401 missing_credential — This route requires a credential."))
    }

    @Test func explainExitsOneForInvalidRules() throws {
        let broken = try self.write("broken.conf", "[server]\nlisten = 5\n")
        let (lines, status) = ExplainCommand.run(rulesPath: broken, method: "GET", url: "http://a/", headers: [])
        #expect(status == 1)
        #expect(lines.first?.contains("error: server.listen") == true)
    }
}
