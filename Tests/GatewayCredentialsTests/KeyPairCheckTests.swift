import Crypto
import GatewayRules
import Testing
import _CryptoExtras

@testable import GatewayCredentials

/// SPEC §8: a `[[keys]]` entry's `private_key_file` must be the private half of its public key,
/// for its pinned algorithm; the key ring refuses it otherwise, so `gateway check` does.
@Suite struct KeyPairCheckTests {
    /// A `[[keys]]` rule with the two PEMs written to `directory`.
    static func rule(
        _ id: String,
        _ alg: JWTAlgorithm,
        publicPEM: String,
        privatePEM: String,
        in directory: TestDirectory
    ) -> KeyRule {
        KeyRule(
            id: id,
            alg: alg,
            material: .publicKeyFile(directory.write("\(id).pub.pem", publicPEM)),
            privateKeyFile: directory.write("\(id).pem", privatePEM)
        )
    }

    @Test func matchingPairsOfEveryFamilyLoad() throws {
        let directory = TestDirectory()
        let p256 = P256.Signing.PrivateKey()
        let p384 = P384.Signing.PrivateKey()
        let ed = Curve25519.Signing.PrivateKey()
        let rsa = IndependentSigner.rsaKey
        let ring = try JWTKeyRing(keys: [
            Self.rule(
                "es256",
                .es256,
                publicPEM: p256.publicKey.pemRepresentation,
                privatePEM: p256.pemRepresentation,
                in: directory
            ),
            Self.rule(
                "es384",
                .es384,
                publicPEM: p384.publicKey.pemRepresentation,
                privatePEM: p384.pemRepresentation,
                in: directory
            ),
            Self.rule(
                "ed",
                .eddsa,
                publicPEM: ed.publicKey.pemRepresentation,
                privatePEM: ed.pemRepresentation,
                in: directory
            ),
            Self.rule(
                "ps256",
                .ps256,
                publicPEM: rsa.publicKey.pemRepresentation,
                privatePEM: rsa.pemRepresentation,
                in: directory
            ),
        ])
        #expect(ring.keyIDs == ["ed", "es256", "es384", "ps256"])
    }

    @Test func anotherKeysPrivateKeyIsRefused() throws {
        let directory = TestDirectory()
        let published = P256.Signing.PrivateKey()
        let other = P256.Signing.PrivateKey()
        let edPublished = Curve25519.Signing.PrivateKey()
        do {
            _ = try JWTKeyRing(keys: [
                KeyRule(id: "plain", alg: .hs256, material: .secret(Secret(bytes: testSecret, source: .inline))),
                Self.rule(
                    "gw-es256",
                    .es256,
                    publicPEM: published.publicKey.pemRepresentation,
                    privatePEM: other.pemRepresentation,
                    in: directory
                ),
                Self.rule(
                    "gw-ed",
                    .eddsa,
                    publicPEM: edPublished.publicKey.pemRepresentation,
                    privatePEM: Curve25519.Signing.PrivateKey().pemRepresentation,
                    in: directory
                ),
            ])
            Issue.record("a private key of another key pair was accepted")
        } catch {
            #expect(
                error.problems == [
                    .init(
                        keyPath: "keys[2](gw-es256).private_key_file",
                        message: "does not match the key's public key: tokens signed with it would not verify"
                    ),
                    .init(
                        keyPath: "keys[3](gw-ed).private_key_file",
                        message: "does not match the key's public key: tokens signed with it would not verify"
                    ),
                ]
            )
        }
    }

    @Test func aPrivateKeyForAnotherAlgorithmIsRefused() throws {
        let directory = TestDirectory()
        let p256 = P256.Signing.PrivateKey()
        let p384 = P384.Signing.PrivateKey()
        do {
            _ = try JWTKeyRing(keys: [
                Self.rule(
                    "gw",
                    .es256,
                    publicPEM: p256.publicKey.pemRepresentation,
                    privatePEM: p384.pemRepresentation,
                    in: directory
                )
            ])
            Issue.record("a P-384 private key was accepted for ES256")
        } catch {
            #expect(
                error.problems == [
                    .init(keyPath: "keys[1](gw).private_key_file", message: "not a P-256 private key (ES256 needs one)")
                ]
            )
        }
        do {
            _ = try JWTKeyRing(keys: [
                Self.rule(
                    "gw",
                    .es256,
                    publicPEM: p256.publicKey.pemRepresentation,
                    privatePEM: p256.publicKey.pemRepresentation,
                    in: directory
                )
            ])
            Issue.record("a public key was accepted as private_key_file")
        } catch {
            #expect(error.problems.map(\.keyPath) == ["keys[1](gw).private_key_file"])
            #expect(error.problems.first?.message == "PEM block PUBLIC KEY is not a private key")
        }
    }

    @Test func aMissingPrivateKeyFileIsNamed() throws {
        let directory = TestDirectory()
        let p256 = P256.Signing.PrivateKey()
        var rule = Self.rule("gw", .es256, publicPEM: p256.publicKey.pemRepresentation, privatePEM: "", in: directory)
        rule.privateKeyFile = directory.path + "/absent.pem"
        do {
            _ = try JWTKeyRing(keys: [rule])
            Issue.record("an absent private_key_file was accepted")
        } catch {
            #expect(
                error.problems == [
                    .init(
                        keyPath: "keys[1](gw).private_key_file",
                        message: "\(directory.path)/absent.pem: no such file"
                    )
                ]
            )
        }
    }
}
