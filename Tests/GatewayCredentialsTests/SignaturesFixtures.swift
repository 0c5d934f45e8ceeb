import GatewayRules
import Testing

@testable import GatewayCredentials

/// RFC 9421 Appendix B: the test keys (B.1) and the test request (B.2), as the RFC prints them.
enum RFC9421 {
    /// B.1.2 `test-key-rsa-pss`, public half (SPKI, rsaEncryption).
    static let rsaPSSPublicKey = """
        -----BEGIN PUBLIC KEY-----
        MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr4tmm3r20Wd/PbqvP1s2
        +QEtvpuRaV8Yq40gjUR8y2Rjxa6dpG2GXHbPfvMs8ct+Lh1GH45x28Rw3Ry53mm+
        oAXjyQ86OnDkZ5N8lYbggD4O3w6M6pAvLkhk95AndTrifbIFPNU8PPMO7OyrFAHq
        gDsznjPFmTOtCEcN2Z1FpWgchwuYLPL+Wokqltd11nqqzi+bJ9cvSKADYdUAAN5W
        Utzdpiy6LbTgSxP7ociU4Tn0g5I6aDZJ7A8Lzo0KSyZYoA485mqcO0GVAdVw9lq4
        aOT9v6d+nb4bnNkQVklLQ3fVAvJm+xdDOp9LCNCN48V2pnDOkFV6+U9nV5oyc6XI
        2wIDAQAB
        -----END PUBLIC KEY-----
        """

    /// B.1.3 `test-key-ecc-p256`, public half.
    static let eccP256PublicKey = """
        -----BEGIN PUBLIC KEY-----
        MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqIVYZVLCrPZHGHjP17CTW0/+D9Lf
        w0EkjqF7xB4FivAxzic30tMM4GF+hR6Dxh71Z50VGGdldkkDXZCnTNnoXQ==
        -----END PUBLIC KEY-----
        """

    /// B.1.4 `test-key-ed25519`, public half.
    static let ed25519PublicKey = """
        -----BEGIN PUBLIC KEY-----
        MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
        -----END PUBLIC KEY-----
        """

    /// B.1.4 `test-key-ed25519`, private half (PKCS#8).
    static let ed25519PrivateKey = """
        -----BEGIN PRIVATE KEY-----
        MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
        -----END PRIVATE KEY-----
        """

    /// B.1.5 `test-shared-secret` (64 bytes, base64).
    static let sharedSecret = Base64.decode(
        "uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ=="
    )!

    /// The content of the test request, and its `Content-Digest` (RFC 9530).
    static let body = Array(#"{"hello": "world"}"#.utf8)
    static let contentDigest =
        "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"

    /// B.2 `test-request`, with the given signature fields added:
    ///
    ///     POST /foo?param=Value&Pet=dog HTTP/1.1
    ///     Host: example.com
    ///     Date: Tue, 20 Apr 2021 02:07:55 GMT
    ///     Content-Type: application/json
    ///     Content-Digest: sha-512=:WZDPaVn/7XgH…Ww==:
    ///     Content-Length: 18
    static func request(signatureInput: String? = nil, signature: String? = nil) -> SignedRequest {
        var fields: [(name: String, value: String)] = [
            ("Host", "example.com"),
            ("Date", "Tue, 20 Apr 2021 02:07:55 GMT"),
            ("Content-Type", "application/json"),
            ("Content-Digest", RFC9421.contentDigest),
            ("Content-Length", "18"),
        ]
        if let signatureInput { fields.append(("Signature-Input", signatureInput)) }
        if let signature { fields.append(("Signature", signature)) }
        return SignedRequest(
            method: "POST",
            scheme: "https",
            authority: "example.com",
            target: "/foo?param=Value&Pet=dog",
            fields: fields,
            hasBody: true
        )
    }

    /// `created` of every Appendix B example.
    static let created: Int64 = 1_618_884_473

    static func verificationKey(_ pem: String, _ algorithm: SignatureAlgorithm) throws -> AnyVerificationKey {
        try SignatureKeys.verificationKey(pem: pem, algorithm: algorithm)
    }

    /// A key ring holding the four test keys under their RFC names.
    static func keyRing() throws -> SignatureKeyRing {
        func entry(_ key: AnyVerificationKey, _ algorithm: SignatureAlgorithm, _ id: String) -> SignatureKeyRing.Entry {
            SignatureKeyRing.Entry(
                key: key,
                algorithm: algorithm,
                scopes: ["test:scope"],
                subject: "subject-\(id)",
                replayScope: "signature:\(id)"
            )
        }
        return SignatureKeyRing(entries: [
            "test-key-rsa-pss": entry(
                try verificationKey(rsaPSSPublicKey, .rsaPSSSHA512),
                .rsaPSSSHA512,
                "test-key-rsa-pss"
            ),
            "test-key-ecc-p256": entry(
                try verificationKey(eccP256PublicKey, .ecdsaP256SHA256),
                .ecdsaP256SHA256,
                "test-key-ecc-p256"
            ),
            "test-key-ed25519": entry(try verificationKey(ed25519PublicKey, .ed25519), .ed25519, "test-key-ed25519"),
            "test-shared-secret": entry(
                .hmac(try SignatureKeys.hmacKey(sharedSecret)),
                .hmacSHA256,
                "test-shared-secret"
            ),
        ])
    }
}

extension SignedRequest {
    /// This request with the value of every field `name` (any case) replaced.
    func replacing(_ name: String, with value: String) -> SignedRequest {
        var copy = self
        copy.fields = copy.fields.map { field in
            field.name.lowercased() == name.lowercased() ? (name: field.name, value: value) : field
        }
        return copy
    }

    /// This request without the field `name`.
    func removing(_ name: String) -> SignedRequest {
        var copy = self
        copy.fields.removeAll { $0.name.lowercased() == name.lowercased() }
        return copy
    }

    func adding(_ name: String, _ value: String) -> SignedRequest {
        var copy = self
        copy.fields.append((name: name, value: value))
        return copy
    }
}

/// The `SignatureVerificationError` a throwing expression threw, or nil when it returned.
/// Any other error is recorded as a test failure.
func signatureError(_ body: () throws -> some Any) -> SignatureVerificationError? {
    do {
        _ = try body()
        return nil
    } catch let error as SignatureVerificationError {
        return error
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}
