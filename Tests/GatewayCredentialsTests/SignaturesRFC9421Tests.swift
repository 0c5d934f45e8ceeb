import GatewayRules
import Testing

@testable import GatewayCredentials

/// RFC 9421 Appendix B.2: for each example, the signature base is reproduced byte for byte, the
/// RFC's signature verifies with the RFC's key, and one changed byte fails it.
///
/// The examples sign in April 2021 and most cover fewer components than SPEC §3 asks, so the
/// base and the cryptography are checked on their own (`verifySignatureOnly`); what the full
/// verifier says of each is asserted separately.
@Suite struct SignaturesRFC9421Tests {
    /// A `now` inside the default 300 s window of the examples' `created`.
    static let now = RFC9421.created + 60

    private func verifier() throws -> HTTPSignatureVerifier {
        HTTPSignatureVerifier(keyRing: try RFC9421.keyRing())
    }

    // MARK: B.2.1 Minimal Signature Using rsa-pss-sha512

    static let b21Input = #"sig-b21=();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd""#
    static let b21Signature =
        "sig-b21=:d2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopemLJcWDy/lkbbHAve4cRAtx31Iq786U7it++wgGxbtRxf8Udx7"
        + "zFZsckzXaJMkA7ChG52eSkFxykJeNqsrWH5S+oxNFlD4dzVuwe8DhTSja8xxbR/Z2cOGdCbzR72rgFWhzx2VjBqJzsPLMIQKhO4DGezXe"
        + "hhWwE56YCE+O6c0mKZsfxVrogUvA4HELjVKWmAvtl6UnCh8jYzuVG5WSb/QEVPnP5TmcAnLH1g+s++v6d4s8m0gCw1fV5/SITLq9mhho"
        + "8K3+7EPYTU8IU1bLhdxO5Nyt8C8ssinQ98Xw9Q==:"
    static let b21Base =
        #""@signature-params": ();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd""#

    @Test func b21MinimalRSAPSS() throws {
        let key = try RFC9421.verificationKey(RFC9421.rsaPSSPublicKey, .rsaPSSSHA512)
        let request = RFC9421.request(signatureInput: Self.b21Input, signature: Self.b21Signature)
        let base = try HTTPSignatureVerifier.verifySignatureOnly(request: request, label: "sig-b21", key: key)
        #expect(String(decoding: base, as: UTF8.self) == Self.b21Base)

        // No component is covered: change a signed parameter instead.
        let changed = request.replacing("Signature-Input", with: Self.b21Input.replacingOccurrences("yemd", "yemc"))
        #expect(
            signatureError {
                try HTTPSignatureVerifier.verifySignatureOnly(request: changed, label: "sig-b21", key: key)
            }
                == .badSignature
        )
        let flipped = request.replacing("Signature", with: Self.flipped(Self.b21Signature))
        #expect(
            signatureError {
                try HTTPSignatureVerifier.verifySignatureOnly(request: flipped, label: "sig-b21", key: key)
            }
                == .badSignature
        )
    }

    @Test func b21FailsTheCoveredComponentsRule() throws {
        let request = RFC9421.request(signatureInput: Self.b21Input, signature: Self.b21Signature)
        let error = signatureError {
            try self.verifier().verify(request: request, now: Self.now, window: 300, requireNonce: false)
        }
        #expect(error == .malformedCredential)
    }

    // MARK: B.2.2 Selective Covered Components Using rsa-pss-sha512

    static let b22Input =
        #"sig-b22=("@authority" "content-digest" "@query-param";name="Pet");created=1618884473"#
        + #";keyid="test-key-rsa-pss";tag="header-example""#
    static let b22Signature =
        "sig-b22=:LjbtqUbfmvjj5C5kr1Ugj4PmLYvx9wVjZvD9GsTT4F7GrcQEdJzgI9qHxICagShLRiLMlAJjtq6N4CDfKtjvuJyE5qH7KT8U"
        + "CMkSowOB4+ECxCmT8rtAmj/0PIXxi0A0nxKyB09RNrCQibbUjsLS/2YyFYXEu4TRJQzRw1rLEuEfY17SARYhpTlaqwZVtR8NV7+4UKkj"
        + "qpcAoFqWFQh62s7Cl+H2fjBSpqfZUJcsIk4N6wiKYd4je2U/lankenQ99PZfB4jY3I5rSV2DSBVkSFsURIjYErOs0tFTQosMTAoxk//0"
        + "RoKUqiYY8Bh0aaUEb0rQl3/XaVe4bXTugEjHSw==:"
    static let b22Base = """
        "@authority": example.com
        "content-digest": \(RFC9421.contentDigest)
        "@query-param";name="Pet": dog
        "@signature-params": ("@authority" "content-digest" "@query-param";name="Pet");created=1618884473;keyid="test-key-rsa-pss";tag="header-example"
        """

    @Test func b22SelectiveRSAPSS() throws {
        let key = try RFC9421.verificationKey(RFC9421.rsaPSSPublicKey, .rsaPSSSHA512)
        let request = RFC9421.request(signatureInput: Self.b22Input, signature: Self.b22Signature)
        let base = try HTTPSignatureVerifier.verifySignatureOnly(request: request, label: "sig-b22", key: key)
        #expect(String(decoding: base, as: UTF8.self) == Self.b22Base)

        var changed = request
        changed.target = "/foo?param=Value&Pet=cat"
        #expect(
            signatureError {
                try HTTPSignatureVerifier.verifySignatureOnly(request: changed, label: "sig-b22", key: key)
            }
                == .badSignature
        )
        // An uncovered query parameter may change.
        var uncovered = request
        uncovered.target = "/foo?param=Other&Pet=dog"
        #expect(throws: Never.self) {
            try HTTPSignatureVerifier.verifySignatureOnly(request: uncovered, label: "sig-b22", key: key)
        }
    }

    @Test func b22FailsTheCoveredComponentsRule() throws {
        let request = RFC9421.request(signatureInput: Self.b22Input, signature: Self.b22Signature)
        let error = signatureError {
            try self.verifier().verify(request: request, now: Self.now, window: 300, requireNonce: false)
        }
        #expect(error == .malformedCredential)
    }

    // MARK: B.2.3 Full Coverage Using rsa-pss-sha512

    static let b23Input =
        #"sig-b23=("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length")"#
        + #";created=1618884473;keyid="test-key-rsa-pss""#
    static let b23Signature =
        "sig-b23=:bbN8oArOxYoyylQQUU6QYwrTuaxLwjAC9fbY2F6SVWvh0yBiMIRGOnMYwZ/5MR6fb0Kh1rIRASVxFkeGt683+qRpRRU5p2voTp"
        + "768ZrCUb38K0fUxN0O0iC59DzYx8DFll5GmydPxSmme9v6ULbMFkl+V5B1TP/yPViV7KsLNmvKiLJH1pFkh/aYA2HXXZzNBXmIkoQoLd"
        + "7YfW91kE9o/CCoC1xMy7JA1ipwvKvfrs65ldmlu9bpG6A9BmzhuzF8Eim5f8ui9eH8LZH896+QIF61ka39VBrohr9iyMUJpvRX2Zbhl5Z"
        + "JzSRxpJyoEZAFL2FUo5fTIztsDZKEgM4cUA==:"
    static let b23Base = """
        "date": Tue, 20 Apr 2021 02:07:55 GMT
        "@method": POST
        "@path": /foo
        "@query": ?param=Value&Pet=dog
        "@authority": example.com
        "content-type": application/json
        "content-digest": \(RFC9421.contentDigest)
        "content-length": 18
        "@signature-params": ("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss"
        """

    @Test func b23FullCoverageRSAPSS() throws {
        let key = try RFC9421.verificationKey(RFC9421.rsaPSSPublicKey, .rsaPSSSHA512)
        let request = RFC9421.request(signatureInput: Self.b23Input, signature: Self.b23Signature)
        let base = try HTTPSignatureVerifier.verifySignatureOnly(request: request, label: "sig-b23", key: key)
        #expect(String(decoding: base, as: UTF8.self) == Self.b23Base)

        let changed = request.replacing("Content-Length", with: "19")
        #expect(
            signatureError {
                try HTTPSignatureVerifier.verifySignatureOnly(request: changed, label: "sig-b23", key: key)
            }
                == .badSignature
        )
    }

    /// B.2.3 covers everything SPEC §3 asks: the full verifier accepts it inside the window.
    @Test func b23PassesTheFullVerifierInsideTheWindow() throws {
        let request = RFC9421.request(signatureInput: Self.b23Input, signature: Self.b23Signature)
        let verified = try self.verifier().verify(request: request, now: Self.now, window: 300, requireNonce: false)
        #expect(verified.label == "sig-b23")
        #expect(verified.keyID == "test-key-rsa-pss")
        #expect(verified.alg == .rsaPSSSHA512)
        #expect(verified.created == RFC9421.created)
        #expect(verified.expires == nil)
        #expect(verified.nonce == nil)
        #expect(verified.coversContentDigest)
        #expect(verified.contentDigest?.sha512 != nil)
        #expect(verified.subject == "subject-test-key-rsa-pss")
        #expect(verified.scopes == ["test:scope"])
        #expect(verified.replayScope == "signature:test-key-rsa-pss")
        #expect(
            verified.coveredComponents == [
                #""date""#, #""@method""#, #""@path""#, #""@query""#, #""@authority""#, #""content-type""#,
                #""content-digest""#, #""content-length""#,
            ]
        )

        // Today it is stale, and without a nonce it cannot be replay-protected.
        #expect(
            signatureError {
                try self.verifier().verify(request: request, now: 1_750_000_000, window: 300, requireNonce: false)
            }
                == .timestampOutOfWindow
        )
        #expect(
            signatureError {
                try self.verifier().verify(request: request, now: Self.now, window: 300, requireNonce: true)
            }
                == .replayProtectionRequired
        )
    }

    // MARK: B.2.4 Signing a Response Using ecdsa-p256-sha256

    /// The signature base of the RFC's `test-response`; a response component (`@status`) cannot
    /// be built by a request verifier, so the RFC's base is verified directly.
    static let b24Base = """
        "@status": 200
        "content-type": application/json
        "content-digest": sha-512=:mEWXIS7MaLRuGgxOBdODa3xqM1XdEvxoYhvlCFJ41QJgJc4GTsPp29l5oGX69wWdXymyU0rjJuahq4l5aGgfLQ==:
        "content-length": 23
        "@signature-params": ("@status" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-ecc-p256"
        """
    static let b24Signature = "wNmSUAhwb5LxtOtOpNa6W5xj067m5hFrj0XQ4fvpaCLx0NKocgPquLgyahnzDnDAUy5eCdlYUEkLIj+32oiasw=="

    @Test func b24ResponseECDSAP256() throws {
        let key = try RFC9421.verificationKey(RFC9421.eccP256PublicKey, .ecdsaP256SHA256)
        let signature = try #require(Base64.decode(Self.b24Signature))
        #expect(signature.count == 64)
        func verifies(_ base: String) -> Bool {
            signature.withUnsafeBytes { signature in
                Array(base.utf8).withUnsafeBytes { key.isValidSignature(signature, for: $0) }
            }
        }
        #expect(verifies(Self.b24Base))
        #expect(!verifies(Self.b24Base.replacingOccurrences("\"@status\": 200", "\"@status\": 201")))

        // In a request, @status is not a component (RFC 9421 §2.2.9).
        let input = #"sig-b24=("@status" "@method" "@authority" "@path");created=1618884473;keyid="test-key-ecc-p256""#
        let request = RFC9421.request(signatureInput: input, signature: "sig-b24=:\(Self.b24Signature):")
        let error = signatureError {
            try self.verifier().verify(request: request, now: Self.now, window: 300, requireNonce: false)
        }
        #expect(error == .malformedCredential)
    }

    // MARK: B.2.5 Signing a Request Using hmac-sha256

    static let b25Input = #"sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret""#
    static let b25Signature = "sig-b25=:pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=:"
    static let b25Base = """
        "date": Tue, 20 Apr 2021 02:07:55 GMT
        "@authority": example.com
        "content-type": application/json
        "@signature-params": ("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"
        """

    @Test func b25HMACSHA256() throws {
        let key = AnyVerificationKey.hmac(try SignatureKeys.hmacKey(RFC9421.sharedSecret))
        let request = RFC9421.request(signatureInput: Self.b25Input, signature: Self.b25Signature)
        let base = try HTTPSignatureVerifier.verifySignatureOnly(request: request, label: "sig-b25", key: key)
        #expect(String(decoding: base, as: UTF8.self) == Self.b25Base)

        let changed = request.replacing("Content-Type", with: "application/jsom")
        #expect(
            signatureError {
                try HTTPSignatureVerifier.verifySignatureOnly(request: changed, label: "sig-b25", key: key)
            }
                == .badSignature
        )
    }

    /// HMAC is deterministic: the signer reproduces the RFC's headers exactly.
    @Test func b25SignerReproducesTheRFC() throws {
        let signer = try RequestSigner(keyID: "test-shared-secret", secret: RFC9421.sharedSecret)
        let signed = try signer.sign(
            RFC9421.request(),
            label: "sig-b25",
            components: ["date", "@authority", "content-type"],
            parameters: [("created", .integer(RFC9421.created)), ("keyid", .string("test-shared-secret"))]
        )
        #expect(signed.signatureInput == Self.b25Input)
        #expect(signed.signature == Self.b25Signature)
        #expect(String(decoding: signed.base, as: UTF8.self) == Self.b25Base)
    }

    @Test func b25FailsTheCoveredComponentsRule() throws {
        let request = RFC9421.request(signatureInput: Self.b25Input, signature: Self.b25Signature)
        let error = signatureError {
            try self.verifier().verify(request: request, now: Self.now, window: 300, requireNonce: false)
        }
        #expect(error == .malformedCredential)
    }

    // MARK: B.2.6 Signing a Request Using ed25519

    static let b26Input =
        #"sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473"#
        + #";keyid="test-key-ed25519""#
    static let b26Signature =
        "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:"
    static let b26Base = """
        "date": Tue, 20 Apr 2021 02:07:55 GMT
        "@method": POST
        "@path": /foo
        "@authority": example.com
        "content-type": application/json
        "content-length": 18
        "@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"
        """

    @Test func b26Ed25519() throws {
        let key = try RFC9421.verificationKey(RFC9421.ed25519PublicKey, .ed25519)
        let request = RFC9421.request(signatureInput: Self.b26Input, signature: Self.b26Signature)
        let base = try HTTPSignatureVerifier.verifySignatureOnly(request: request, label: "sig-b26", key: key)
        #expect(String(decoding: base, as: UTF8.self) == Self.b26Base)

        var changed = request
        changed.method = "PUT"
        #expect(
            signatureError {
                try HTTPSignatureVerifier.verifySignatureOnly(request: changed, label: "sig-b26", key: key)
            }
                == .badSignature
        )
    }

    /// Signing B.2.6's base with the RFC's private key gives a signature the public key accepts
    /// (and, Ed25519 being deterministic, the RFC's own signature).
    @Test func b26SignerWithTheRFCKey() throws {
        let signer = try RequestSigner(keyID: "test-key-ed25519", privateKeyPEM: RFC9421.ed25519PrivateKey)
        #expect(signer.algorithm == .ed25519)
        let signed = try signer.sign(
            RFC9421.request(),
            label: "sig-b26",
            components: ["date", "@method", "@path", "@authority", "content-type", "content-length"],
            parameters: [("created", .integer(RFC9421.created)), ("keyid", .string("test-key-ed25519"))]
        )
        #expect(signed.signatureInput == Self.b26Input)
        #expect(String(decoding: signed.base, as: UTF8.self) == Self.b26Base)
        #expect(signed.signature == Self.b26Signature)
    }

    @Test func b26FailsTheCoveredComponentsRule() throws {
        // It covers @method, @authority and @path, but not @query (the target has one) nor
        // content-digest (the request has content).
        let request = RFC9421.request(signatureInput: Self.b26Input, signature: Self.b26Signature)
        let error = signatureError {
            try self.verifier().verify(request: request, now: Self.now, window: 300, requireNonce: false)
        }
        #expect(error == .malformedCredential)
        #expect(error?.detail.contains("@query") == true)
    }

    /// The signature with one byte of its value changed.
    static func flipped(_ field: String) -> String {
        let start = field.firstIndex(of: ":")!
        let label = field[..<start]
        var bytes = Base64.decode(field[field.index(after: start)...].dropLast())!
        bytes[bytes.count / 2] ^= 0x01
        return "\(label):\(Base64.encode(bytes)):"
    }
}

extension String {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        self.replacing(target, with: replacement)
    }
}
