import GatewayRules
import Testing

@testable import GatewayCredentials

/// Known answers from RFC 7515 Appendix A and RFC 8037 Appendix A.4, with the RFCs' own keys.
/// The example tokens carry no `kid`, so they are checked with the key given directly
/// (`verify(_:using:)`); through a key ring they are `unknown_key`.
@Suite struct RFCVectorTests {
    /// RFC 7515 A.1–A.3 share this payload: {"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}
    static let payload =
        "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"

    /// RFC 7515 A.1: HS256 (its header has a CRLF and a space: {"typ":"JWT",\r\n "alg":"HS256"}).
    static let a1Token =
        "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.\(payload).dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    static let a1Key =
        #"{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}"#

    /// RFC 7515 A.2: RS256.
    static let a2Token =
        "eyJhbGciOiJSUzI1NiJ9.\(payload)."
        + "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZ"
        + "cAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOk"
        + "HWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw"
    static let a2Key =
        #"{"kty":"RSA","e":"AQAB","n":""#
        + "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMs"
        + "D1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVM"
        + "TBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"
        + #""}"#

    /// RFC 7515 A.3: ES256.
    static let a3Token =
        "eyJhbGciOiJFUzI1NiJ9.\(payload).DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"
    static let a3Key =
        #"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#

    /// RFC 7515 A.4: ES512 (P-521), payload "Payload".
    static let a4Token =
        "eyJhbGciOiJFUzUxMiJ9.UGF5bG9hZA."
        + "AdwMgeerwtHoh-l192l60hp9wAHZFVJbLfD_UxMi70cwnZOYaRI1bKPWROc-mZZqwqT2SI-KGDKB34XO0aw_7XdtAG8GaSwFKdCAPZgoXD2YBJZCPEX3"
        + "xKpRwcdOO8KpEHwJjyqOgzDO7iKvU8vcnwNrmxYbSW9ERBXukOXolLzeO_Jn"
    static let a4Key =
        #"{"kty":"EC","crv":"P-521","alg":"ES512","kid":"a4","#
        + #""x":"AekpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk06wTjxrrjcBpXp5EOnYG_NjFZ6OvLFV1jSfS9tsz4qUxcWceqwQGk","#
        + #""y":"ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDly79ajL4Kkd0AZMaZmh9ubmf63e3kyMj2"}"#

    /// RFC 8037 A.4: Ed25519, payload "Example of Ed25519 signing" (not JSON).
    static let ed25519Token =
        "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
        + "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
    static let ed25519Key = #"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#

    private let verifier = JWTVerifier(keyRing: try! JWTKeyRing(keys: []))

    private func key(_ json: String, _ algorithm: JWTAlgorithm) throws -> AnyVerificationKey {
        try JWK(json: Array(json.utf8)).verificationKey(for: algorithm)
    }

    /// The token with one character of its payload part changed (still canonical base64url).
    private func changedPayload(_ token: String) -> String {
        var payload = Array(part(token, 1))
        payload[5] = payload[5] == "A" ? "B" : "A"
        return replacingPart(token, 1, with: String(payload))
    }

    private func changedSignature(_ token: String) -> String {
        var signature = unb64url(part(token, 2))
        signature[signature.count / 2] ^= 0x80
        return replacingPart(token, 2, with: b64url(signature))
    }

    private func expectJoe(_ verified: VerifiedToken) {
        #expect(verified.claims.iss == "joe")
        #expect(verified.claims.exp == 1_300_819_380)
    }

    @Test func a1HS256() throws {
        let key = try self.key(Self.a1Key, .hs256)
        self.expectJoe(try self.verifier.verify(Self.a1Token, using: key))
        #expect(
            verificationError { try self.verifier.verify(self.changedPayload(Self.a1Token), using: key) }
                == .badSignature
        )
        #expect(
            verificationError { try self.verifier.verify(self.changedSignature(Self.a1Token), using: key) }
                == .badSignature
        )
    }

    @Test func a2RS256() throws {
        let key = try self.key(Self.a2Key, .rs256)
        self.expectJoe(try self.verifier.verify(Self.a2Token, using: key))
        #expect(
            verificationError { try self.verifier.verify(self.changedPayload(Self.a2Token), using: key) }
                == .badSignature
        )
        #expect(
            verificationError { try self.verifier.verify(self.changedSignature(Self.a2Token), using: key) }
                == .badSignature
        )
        // The same key pinned to PS256 refuses the RS256 token.
        let pss = try self.key(Self.a2Key, .ps256)
        #expect(verificationError { try self.verifier.verify(Self.a2Token, using: pss) } == .algNotAllowed)
    }

    @Test func a3ES256() throws {
        let key = try self.key(Self.a3Key, .es256)
        self.expectJoe(try self.verifier.verify(Self.a3Token, using: key))
        #expect(
            verificationError { try self.verifier.verify(self.changedPayload(Self.a3Token), using: key) }
                == .badSignature
        )
        #expect(
            verificationError { try self.verifier.verify(self.changedSignature(Self.a3Token), using: key) }
                == .badSignature
        )
    }

    @Test func a4ES512IsNotSupported() throws {
        // ES512 is not among SPEC's algorithms: its JWK does not load, and its token is refused
        // as alg_not_allowed even against an EC key.
        let jwk = try JWK(json: Array(Self.a4Key.utf8))
        #expect(jwk.algorithmName == "ES512" && jwk.algorithm == nil)
        let directory = TestDirectory()
        let path = directory.write("jwks.json", #"{"keys":[\#(Self.a4Key)]}"#)
        do {
            _ = try JWTKeyRing(keys: [], jwks: [JWKSRule(source: .file(path))])
            Issue.record("an ES512 key loaded")
        } catch {
            #expect(error.problems.first?.message.contains(#"alg "ES512" is not supported"#) == true)
        }
        let es256 = try self.key(Self.a3Key, .es256)
        #expect(verificationError { try self.verifier.verify(Self.a4Token, using: es256) } == .algNotAllowed)
    }

    @Test func rfc8037Ed25519() throws {
        let key = try self.key(Self.ed25519Key, .eddsa)
        // The signature verifies; the payload is text, not a claims set, so the token is then
        // refused as malformed — which is only reported after the signature check passed.
        let signingInput = Array(Self.ed25519Token.utf8.prefix(while: { _ in true }))
        let lastDot = signingInput.lastIndex(of: UInt8(ascii: "."))!
        let signature = unb64url(part(Self.ed25519Token, 2))
        let valid = signature.withUnsafeBytes { sig in
            Array(signingInput[..<lastDot]).withUnsafeBytes { key.isValidSignature(sig, for: $0) }
        }
        #expect(valid)
        #expect(verificationError { try self.verifier.verify(Self.ed25519Token, using: key) } == .malformedCredential)
        #expect(
            verificationError { try self.verifier.verify(self.changedPayload(Self.ed25519Token), using: key) }
                == .badSignature
        )
        #expect(
            verificationError { try self.verifier.verify(self.changedSignature(Self.ed25519Token), using: key) }
                == .badSignature
        )
    }

    @Test func exampleTokensHaveNoKidSoAKeyRingFindsNoKey() throws {
        let rule = KeyRule(
            id: "a1",
            alg: .hs256,
            material: .secret(
                Secret(
                    bytes: unb64url(
                        "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"
                    ),
                    source: .inline
                )
            )
        )
        let verifier = JWTVerifier(keyRing: try JWTKeyRing(keys: [rule]))
        #expect(verificationError { try verifier.verify(Self.a1Token) } == .unknownKey)
    }
}
