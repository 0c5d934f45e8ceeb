import Crypto
import GatewayRules
import Testing
import _CryptoExtras

@testable import GatewayCredentials

/// `SignatureKeyRing` from `[[signing_keys]]`: PEM public keys and HMAC secrets, and every
/// problem reported with its key path.
@Suite struct SignaturesKeyRingTests {
    let directory = TestDirectory()

    func rule(_ id: String, _ alg: SignatureAlgorithm, pem: String) -> SigningKeyRule {
        SigningKeyRule(id: id, alg: alg, material: .publicKeyFile(self.directory.write("\(id).pem", pem)))
    }

    func problems(_ rules: [SigningKeyRule]) -> [KeyLoadError.Problem] {
        do {
            _ = try SignatureKeyRing(rules: rules)
            Issue.record("the key ring loaded")
            return []
        } catch {
            return error.problems
        }
    }

    @Test func loadsEveryAlgorithm() throws {
        let rsa = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let ring = try SignatureKeyRing(rules: [
            self.rule("ed", .ed25519, pem: Curve25519.Signing.PrivateKey().publicKey.pemRepresentation),
            self.rule("ec", .ecdsaP256SHA256, pem: P256.Signing.PrivateKey().publicKey.pemRepresentation),
            self.rule("rsa", .rsaPSSSHA512, pem: rsa.publicKey.pemRepresentation),
            SigningKeyRule(
                id: "mac",
                alg: .hmacSHA256,
                material: .secret(Secret(bytes: Array(repeating: 1, count: 32), source: .environment("MAC"))),
                scopes: ["a", "b"],
                subject: "machine"
            ),
        ])
        #expect(ring.count == 4)
        #expect(ring.keyIDs == ["ec", "ed", "mac", "rsa"])
        #expect(ring.algorithm(forKeyID: "rsa") == .rsaPSSSHA512)
        #expect(ring.algorithm(forKeyID: "nope") == nil)
        let mac = try #require(ring.entry(forKeyID: "mac"))
        #expect(mac.scopes == ["a", "b"])
        #expect(mac.subject == "machine")
        #expect(mac.replayScope == "signature:mac")
        #expect(ring.entry(forKeyID: "ed")?.subject == "ed")
    }

    /// The RFC's RSA-PSS test key, given as rsaEncryption SPKI, loads for rsa-pss-sha512.
    @Test func theRFCKeysLoadFromFiles() throws {
        let ring = try SignatureKeyRing(rules: [
            self.rule("test-key-rsa-pss", .rsaPSSSHA512, pem: RFC9421.rsaPSSPublicKey),
            self.rule("test-key-ecc-p256", .ecdsaP256SHA256, pem: RFC9421.eccP256PublicKey),
            self.rule("test-key-ed25519", .ed25519, pem: RFC9421.ed25519PublicKey),
        ])
        let verifier = HTTPSignatureVerifier(keyRing: ring)
        let request = RFC9421.request(
            signatureInput: SignaturesRFC9421Tests.b23Input,
            signature: SignaturesRFC9421Tests.b23Signature
        )
        #expect(
            try verifier.verify(request: request, now: RFC9421.created, window: 300, requireNonce: false).label
                == "sig-b23"
        )
    }

    @Test func aKeyOfTheWrongTypeIsReported() {
        let problems = self.problems([
            self.rule("a", .ed25519, pem: P256.Signing.PrivateKey().publicKey.pemRepresentation),
            self.rule("b", .ecdsaP256SHA256, pem: Curve25519.Signing.PrivateKey().publicKey.pemRepresentation),
            self.rule("c", .rsaPSSSHA512, pem: P256.Signing.PrivateKey().publicKey.pemRepresentation),
            self.rule("d", .ed25519, pem: Curve25519.Signing.PrivateKey().pemRepresentation),
            self.rule("e", .ed25519, pem: "not a key"),
            self.rule("f", .hmacSHA256, pem: Curve25519.Signing.PrivateKey().publicKey.pemRepresentation),
        ])
        #expect(
            problems.map(\.keyPath) == [
                "signing_keys[1](a).public_key_file", "signing_keys[2](b).public_key_file",
                "signing_keys[3](c).public_key_file", "signing_keys[4](d).public_key_file",
                "signing_keys[5](e).public_key_file", "signing_keys[6](f).public_key_file",
            ]
        )
        #expect(problems[0].message.contains("Ed25519"))
        #expect(problems[1].message.contains("P-256"))
        #expect(problems[2].message.contains("RSA"))
        #expect(problems[3].message.contains("private key"))
        #expect(problems[4].message.contains("not a PEM"))
        #expect(problems[5].message.contains("secret"))
    }

    @Test func shortRSAKeysAndSecretsAreRefused() throws {
        let short = try _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: 1024)).publicKey
        let problems = self.problems([
            self.rule("rsa", .rsaPSSSHA512, pem: short.pemRepresentation),
            SigningKeyRule(
                id: "mac",
                alg: .hmacSHA256,
                material: .secret(Secret(bytes: Array(repeating: 1, count: 31), source: .file("/secret")))
            ),
            SigningKeyRule(
                id: "wrong",
                alg: .ed25519,
                material: .secret(Secret(bytes: Array(repeating: 1, count: 32), source: .inline))
            ),
        ])
        #expect(
            problems.map(\.keyPath) == [
                "signing_keys[1](rsa).public_key_file", "signing_keys[2](mac).secret_file",
                "signing_keys[3](wrong).secret",
            ]
        )
        #expect(problems[0].message.contains("1024 bits; at least 2048"))
        #expect(problems[1].message.contains("31 bytes"))
        // Messages never show key material.
        #expect(!problems.map(\.message).joined().contains("AQEB"))
    }

    @Test func duplicateIDsAndMissingFilesAreReported() {
        let pem = Curve25519.Signing.PrivateKey().publicKey.pemRepresentation
        let problems = self.problems([
            self.rule("same", .ed25519, pem: pem),
            self.rule("same", .ed25519, pem: pem),
            SigningKeyRule(id: "gone", alg: .ed25519, material: .publicKeyFile(self.directory.path + "/gone.pem")),
        ])
        #expect(problems.map(\.keyPath) == ["signing_keys[2](same).id", "signing_keys[3](gone).public_key_file"])
        #expect(problems[0].message.contains("signing_keys[1](same)"))
        #expect(problems[1].message.contains("no such file"))
    }

    @Test func theVerifierOfARulesSnapshot() throws {
        let rules = Rules(
            sourcePath: self.directory.path + "/gateway.conf",
            signingKeys: [self.rule("ed", .ed25519, pem: Curve25519.Signing.PrivateKey().publicKey.pemRepresentation)]
        )
        #expect(try HTTPSignatureVerifier(rules: rules).keyRing.keyIDs == ["ed"])
    }
}
