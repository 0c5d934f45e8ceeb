import Crypto
import Foundation
import GatewayApp
import Testing
import _CryptoExtras

/// `gateway check` on `[token_endpoint]` and `private_key_file` (SPEC §1, §8): what the rules
/// loader refuses and what loading the keys refuses, as the command prints them.
@Suite(.timeLimit(.minutes(3))) struct TokenEndpointCheckTests {
    static func check(privateKey: String, endpoint: String) throws -> (lines: [String], status: Int32, path: String) {
        let directory = try makeTemporaryDirectory("token-check")
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = P256.Signing.PrivateKey()
        try key.publicKey.pemRepresentation.write(
            to: directory.appendingPathComponent("gw.pub.pem"),
            atomically: true,
            encoding: .utf8
        )
        try privateKey.write(to: directory.appendingPathComponent("gw.pem"), atomically: true, encoding: .utf8)
        let path = directory.appendingPathComponent("gateway.conf").path
        try """
        [[upstreams]]
        name = "orders"
        targets = ["127.0.0.1:9000"]

        [[routes]]
        name = "orders"
        path_prefix = "/orders"
        upstream = "orders"

        [[keys]]
        id = "gw-es256"
        alg = "ES256"
        public_key_file = "gw.pub.pem"
        private_key_file = "gw.pem"

        [token_endpoint]
        signing_key = "gw-es256"
        \(endpoint)
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let (lines, status) = RulesCheck.run(path: path)
        return (lines, status, path)
    }

    @Test func aPrivateKeyOfAnotherPairIsRefused() throws {
        let (lines, status, path) = try Self.check(
            privateKey: P256.Signing.PrivateKey().pemRepresentation,
            endpoint: ""
        )
        #expect(status == 1)
        #expect(
            lines.contains(
                "\(path):14:20: error: keys[1](gw-es256).private_key_file: does not match the key's public key: tokens "
                    + "signed with it would not verify"
            ),
            "\(lines)"
        )
    }

    @Test func aPrivateKeyOfAnotherAlgorithmIsRefused() throws {
        let (lines, status, _) = try Self.check(
            privateKey: Curve25519.Signing.PrivateKey().pemRepresentation,
            endpoint: ""
        )
        #expect(status == 1)
        #expect(
            lines.contains {
                $0.hasSuffix("keys[1](gw-es256).private_key_file: not a P-256 private key (ES256 needs one)")
            },
            "\(lines)"
        )
    }

    @Test func aRouteOnTheEndpointsPathIsRefused() throws {
        let (lines, status, path) = try Self.check(
            privateKey: P256.Signing.PrivateKey().pemRepresentation,
            endpoint: "path = \"/orders/token\""
        )
        #expect(status == 1)
        #expect(
            lines.contains {
                $0.hasPrefix(
                    "\(path):18:8: error: token_endpoint.path: /orders/token is also matched by route \"orders\""
                )
            },
            "\(lines)"
        )
    }
}
