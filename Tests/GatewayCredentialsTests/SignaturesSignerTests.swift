import Crypto
import GatewayRules
import Testing
import _CryptoExtras

@testable import GatewayCredentials

/// `RequestSigner`: what `gateway sign` prints is what the verifier accepts.
@Suite struct SignaturesSignerTests {
    static let now: Int64 = 1_780_000_000

    /// A verifier holding `publicKey` under `keyID`.
    func verifier(_ keyID: String, _ key: AnyVerificationKey, _ algorithm: SignatureAlgorithm) -> HTTPSignatureVerifier
    {
        HTTPSignatureVerifier(
            keyRing: SignatureKeyRing(entries: [
                keyID: .init(
                    key: key,
                    algorithm: algorithm,
                    scopes: [],
                    subject: keyID,
                    replayScope: "signature:\(keyID)"
                )
            ])
        )
    }

    func signAndVerify(
        _ signer: RequestSigner,
        _ verifier: HTTPSignatureVerifier,
        url: String = "https://api.example.com/orders?id=7",
        method: String = "GET",
        content: [UInt8]? = nil
    ) throws -> (SignatureHeaders, VerifiedSignature) {
        let unsigned = try #require(SignedRequest(method: method, url: url, hasBody: content != nil))
        let headers = try signer.sign(unsigned, content: content, created: Self.now)
        var request = unsigned
        request.fields += headers.fields
        let verified = try verifier.verify(request: request, now: Self.now, window: 300, requireNonce: true)
        return (headers, verified)
    }

    @Test func ed25519KeysSignWithEd25519() throws {
        let key = Curve25519.Signing.PrivateKey()
        let signer = try RequestSigner(keyID: "bot", privateKeyPEM: key.pemRepresentation)
        #expect(signer.algorithm == .ed25519)
        let (headers, verified) = try self.signAndVerify(
            signer,
            self.verifier("bot", .eddsa(EdDSAPublicVerificationKey(key: key.publicKey)), .ed25519)
        )
        #expect(
            headers.signatureInput.hasPrefix(
                #"sig1=("@method" "@authority" "@path" "@query");created=1780000000;keyid="bot";nonce=""#
            )
        )
        #expect(headers.signatureInput.hasSuffix(#";alg="ed25519""#))
        #expect(headers.signature.hasPrefix("sig1=:") && headers.signature.hasSuffix(":"))
        #expect(headers.contentDigest == nil)
        #expect(headers.fields.map(\.name) == ["Signature-Input", "Signature"])
        #expect(verified.alg == .ed25519)
    }

    @Test func p256AndRSAKeysChooseTheirAlgorithm() throws {
        let ec = P256.Signing.PrivateKey()
        let ecSigner = try RequestSigner(keyID: "ec", privateKeyPEM: ec.pemRepresentation)
        #expect(ecSigner.algorithm == .ecdsaP256SHA256)
        _ = try self.signAndVerify(
            ecSigner,
            self.verifier(
                "ec",
                .ecdsa(ECDSAPublicVerificationKey(key: .p256(ec.publicKey), algorithm: .es256)!),
                .ecdsaP256SHA256
            )
        )

        let rsa = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let rsaSigner = try RequestSigner(keyID: "rsa", privateKeyPEM: rsa.pemRepresentation)
        #expect(rsaSigner.algorithm == .rsaPSSSHA512)
        _ = try self.signAndVerify(
            rsaSigner,
            self.verifier("rsa", .rsa(RSAPublicVerificationKey(key: rsa.publicKey, algorithm: .ps512)!), .rsaPSSSHA512)
        )
    }

    @Test func hmacSecretsSignWithHMAC() throws {
        let secret = Array(repeating: UInt8(42), count: 32)
        let signer = try RequestSigner(keyID: "mac", secret: secret)
        #expect(signer.algorithm == .hmacSHA256)
        _ = try self.signAndVerify(signer, self.verifier("mac", .hmac(try SignatureKeys.hmacKey(secret)), .hmacSHA256))
        #expect(throws: KeyLoadError.self) { try RequestSigner(keyID: "mac", secret: Array(secret.prefix(31))) }
    }

    @Test func contentIsDigestedAndCovered() throws {
        let key = Curve25519.Signing.PrivateKey()
        let content = Array(#"{"hello": "world"}"#.utf8)
        let (headers, verified) = try self.signAndVerify(
            try RequestSigner(keyID: "bot", privateKeyPEM: key.pemRepresentation),
            self.verifier("bot", .eddsa(EdDSAPublicVerificationKey(key: key.publicKey)), .ed25519),
            url: "https://api.example.com/orders",
            method: "POST",
            content: content
        )
        // RFC 9530's sha-256 of this content.
        #expect(headers.contentDigest == "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:")
        #expect(headers.signatureInput.contains(#"("@method" "@authority" "@path" "content-digest")"#))
        #expect(headers.fields.map(\.name) == ["Content-Digest", "Signature-Input", "Signature"])
        #expect(verified.coversContentDigest)
        var digest = ContentDigestVerifier(try #require(verified.contentDigest))
        digest.update(content)
        #expect(digest.finish())
    }

    @Test func everySignatureHasAFreshNonce() throws {
        let signer = try RequestSigner(keyID: "mac", secret: Array(repeating: 1, count: 32))
        let request = try #require(SignedRequest(method: "GET", url: "https://api.example.com/"))
        var nonces = Set<String>()
        for _ in 0..<50 {
            let input = try signer.sign(request, created: Self.now).signatureInput
            let nonce = try #require(input.split(separator: "nonce=\"").last?.split(separator: "\"").first)
            #expect(nonce.count == 32)
            #expect(nonce.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
            nonces.insert(String(nonce))
        }
        #expect(nonces.count == 50)
    }

    @Test func badKeysAreReported() {
        #expect(throws: KeyLoadError.self) { try RequestSigner(keyID: "x", privateKeyPEM: "nonsense") }
        #expect(throws: KeyLoadError.self) {
            try RequestSigner(keyID: "x", privateKeyPEM: Curve25519.Signing.PrivateKey().publicKey.pemRepresentation)
        }
        // A key that does not suit the algorithm asked for.
        #expect(throws: KeyLoadError.self) {
            try RequestSigner(
                keyID: "x",
                privateKeyPEM: Curve25519.Signing.PrivateKey().pemRepresentation,
                algorithm: .ecdsaP256SHA256
            )
        }
        do {
            _ = try RequestSigner(keyID: "x", privateKeyPEM: "nonsense", keyPath: "--private-key k.pem")
        } catch {
            #expect(error.problems.first?.keyPath == "--private-key k.pem")
        }
    }

    @Test func labelsMustBeDictionaryKeys() throws {
        let signer = try RequestSigner(keyID: "mac", secret: Array(repeating: 1, count: 32))
        let request = try #require(SignedRequest(method: "GET", url: "https://api.example.com/"))
        #expect(throws: RequestSigningError.self) { try signer.sign(request, created: Self.now, label: "Sig") }
        #expect(try signer.sign(request, created: Self.now, label: "gw-1").signature.hasPrefix("gw-1=:"))
    }
}
