import Crypto
import Foundation
import GatewayRules
import Testing
import _CryptoExtras

@testable import GatewayCredentials

/// RFC 8725 attacks, one test each.
@Suite struct HardeningTests {
    private let payload = #"{"sub":"mallory","exp":2000000000}"#

    @Test func algNoneIsNotAllowed() {
        let verifier = hs256Verifier()
        for alg in ["none", "None", "NONE", "nOnE"] {
            let unsigned = b64url(#"{"alg":"\#(alg)","kid":"hs"}"#) + "." + b64url(self.payload) + "."
            #expect(verificationError { try verifier.verify(unsigned) } == .algNotAllowed)
            // Even with a signature-shaped third part.
            let padded = unsigned + b64url(Array(repeating: 0, count: 32))
            #expect(verificationError { try verifier.verify(padded) } == .algNotAllowed)
        }
    }

    @Test func rsaPublicKeyUsedAsHMACSecretFails() throws {
        // The key confusion attack: the server holds an RS256 public key; the attacker signs
        // HS256 with that public key's bytes as the HMAC secret.
        let directory = TestDirectory()
        let rsa = IndependentSigner.rsaKey.publicKey
        let path = directory.write("rsa.pem", rsa.pemRepresentation)
        let verifier = JWTVerifier(
            keyRing: try JWTKeyRing(keys: [KeyRule(id: "rsa", alg: .rs256, material: .publicKeyFile(path))])
        )
        let header = #"{"alg":"HS256","kid":"rsa"}"#
        for secret in [
            Array(rsa.pemRepresentation.utf8), Array(rsa.derRepresentation), Array(rsa.pkcs1DERRepresentation),
        ] {
            let forged = hs256Token(header: header, payload: self.payload, secret: secret)
            #expect(verificationError { try verifier.verify(forged) } == .algNotAllowed)
        }
        // Claiming RS256 with an HMAC tag does not help either.
        let forged = hs256Token(
            header: #"{"alg":"RS256","kid":"rsa"}"#,
            payload: self.payload,
            secret: Array(rsa.pemRepresentation.utf8)
        )
        #expect(verificationError { try verifier.verify(forged) } == .badSignature)
    }

    @Test func jkuX5uJwkX5cAreIgnored() throws {
        let directory = TestDirectory()
        let key = P256.Signing.PrivateKey()
        let path = directory.write("es.pem", key.publicKey.pemRepresentation)
        let verifier = JWTVerifier(
            keyRing: try JWTKeyRing(keys: [KeyRule(id: "es", alg: .es256, material: .publicKeyFile(path))])
        )

        let attacker = P256.Signing.PrivateKey()
        let raw = Array(attacker.publicKey.x963Representation)
        let embeddedJWK =
            #"{"kty":"EC","crv":"P-256","x":"\#(b64url(Array(raw[1..<33])))","y":"\#(b64url(Array(raw[33..<65])))"}"#
        let extras =
            #""jku":"https://attacker.example/jwks.json","x5u":"https://attacker.example/cert.pem","jwk":\#(embeddedJWK),"x5c":["MIIB"]"#

        // A forged token naming the configured kid but carrying the attacker's key: refused.
        let forged = es256Token(header: #"{"alg":"ES256","kid":"es",\#(extras)}"#, payload: self.payload, key: attacker)
        #expect(verificationError { try verifier.verify(forged) } == .badSignature)
        // Without a kid, the embedded key selects nothing.
        let noKid = es256Token(header: #"{"alg":"ES256",\#(extras)}"#, payload: self.payload, key: attacker)
        #expect(verificationError { try verifier.verify(noKid) } == .unknownKey)
        // A genuine token carrying the same members verifies: they are simply not looked at.
        let genuine = es256Token(header: #"{"alg":"ES256","kid":"es",\#(extras)}"#, payload: self.payload, key: key)
        #expect(try verifier.verify(genuine).claims.sub == "mallory")
    }

    @Test func unknownCritIsMalformed() {
        let verifier = hs256Verifier()
        for crit in [#"["exp"]"#, #"["b64"]"#, #"["http://example.com/ext"]"#, "[]"] {
            let token = hs256Token(
                header: #"{"alg":"HS256","kid":"hs","crit":\#(crit),"exp":1}"#,
                payload: self.payload,
                secret: testSecret
            )
            #expect(verificationError { try verifier.verify(token) } == .malformedCredential)
        }
    }

    @Test(arguments: ["ES256", "ES384"])
    func psychicECDSASignaturesFail(_ algorithm: String) throws {
        let curve: ECDSACurve = algorithm == "ES256" ? .p256 : .p384
        let size = curve.coordinateBytes
        let directory = TestDirectory()
        let pem =
            algorithm == "ES256"
            ? P256.Signing.PrivateKey().publicKey.pemRepresentation
            : P384.Signing.PrivateKey().publicKey.pemRepresentation
        let path = directory.write("k.pem", pem)
        let verifier = JWTVerifier(
            keyRing: try JWTKeyRing(keys: [
                KeyRule(id: "k", alg: JWTAlgorithm(rawValue: algorithm)!, material: .publicKeyFile(path))
            ])
        )
        let signingInput = b64url(#"{"alg":"\#(algorithm)","kid":"k"}"#) + "." + b64url(self.payload)
        let n = curve.order
        let one = Array(repeating: UInt8(0), count: size - 1) + [1]
        let zero = Array(repeating: UInt8(0), count: size)
        let candidates: [[UInt8]] = [
            zero + zero,  // CVE-2022-21449
            n + one,  // r = n
            one + n,  // s = n
            n + n,
            zero + one,
            one + zero,
            Array(repeating: 0xFF, count: 2 * size),  // r, s > n
            Array(repeating: 0, count: 2 * size - 1),  // wrong length
            [],
        ]
        for signature in candidates {
            let token = signingInput + "." + b64url(signature)
            #expect(verificationError { try verifier.verify(token) } == .badSignature)
        }
        // The range check itself: n − 1 is in range, n is not, 0 is not.
        var nMinusOne = n
        nMinusOne[size - 1] -= 1
        #expect((nMinusOne + one).withUnsafeBytes { curve.isInRange($0) })
        #expect(!(n + one).withUnsafeBytes { curve.isInRange($0) })
        #expect(!(zero + one).withUnsafeBytes { curve.isInRange($0) })
    }

    @Test func duplicateHeaderNamesAreMalformed() {
        let verifier = hs256Verifier()
        let headers = [
            #"{"alg":"HS256","kid":"hs","kid":"other"}"#,
            #"{"alg":"HS256","kid":"hs","alg":"HS256"}"#,
            #"{"alg":"HS256","kid":"hs","\u006bid":"hs"}"#,  // the same name, escaped
        ]
        for header in headers {
            let token = hs256Token(header: header, payload: self.payload, secret: testSecret)
            #expect(verificationError { try verifier.verify(token) } == .malformedCredential)
        }
    }

    @Test func duplicateClaimNamesAreMalformed() {
        let verifier = hs256Verifier()
        let payloads = [
            #"{"sub":"a","exp":1,"exp":2000000000}"#,
            #"{"scope":"a","scope":"admin"}"#,
            #"{"nested":{"x":1,"x":2}}"#,
            #"{"s\u0075b":"a","sub":"b"}"#,
        ]
        for payload in payloads {
            let token = hs256Token(header: #"{"alg":"HS256","kid":"hs"}"#, payload: payload, secret: testSecret)
            #expect(verificationError { try verifier.verify(token) } == .malformedCredential)
        }
    }

    @Test func oversizedTokenIsMalformedBeforeAnyCrypto() {
        let verifier = hs256Verifier()
        // Would be unknown_key (no such kid) if it were looked at: the size check comes first.
        let big = #"{"sub":""# + String(repeating: "a", count: 9000) + #""}"#
        let token = hs256Token(header: #"{"alg":"HS256","kid":"nobody"}"#, payload: big, secret: testSecret)
        let error = verificationError { try verifier.verify(token) }
        #expect(error == .malformedCredential)
        #expect(error?.detail.contains("longer than 8192") == true)
        // Just under the limit it is looked at (and refused for its kid).
        let small = hs256Token(header: #"{"alg":"HS256","kid":"nobody"}"#, payload: #"{"sub":"a"}"#, secret: testSecret)
        #expect(verificationError { try verifier.verify(small) } == .unknownKey)
    }

    @Test func notThreeBase64URLPartsOfJSONObjectsIsMalformed() {
        let verifier = hs256Verifier()
        let good = hs256Token(header: #"{"alg":"HS256","kid":"hs"}"#, payload: self.payload, secret: testSecret)
        let parts = good.split(separator: ".").map(String.init)
        let cases = [
            "",
            "abc",
            parts[0] + "." + parts[1],  // two parts
            good + ".abc",  // four parts
            good + "." + parts[2] + "." + parts[2],  // JWE-like five parts
            " " + good,  // whitespace
            good + "\n",
            parts[0] + "=." + parts[1] + "." + parts[2],  // padding
            parts[0] + "." + parts[1] + "." + parts[2] + "==",
            parts[0].replacingOccurrences(of: "J", with: "+") + "." + parts[1] + "." + parts[2],  // base64, not base64url
            "A." + parts[1] + "." + parts[2],  // length 1 mod 4
            "eyJ" + "." + parts[1] + "." + parts[2],  // "{\"" and non-zero trailing bits
            b64url("[]") + "." + parts[1] + "." + parts[2],  // header not an object
            b64url(#""alg""#) + "." + parts[1] + "." + parts[2],
            b64url("1") + "." + parts[1] + "." + parts[2],
            b64url(#"{"alg":"HS256","kid":"hs"} x"#) + "." + parts[1] + "." + parts[2],  // trailing garbage
            b64url(#"{"alg":"HS256","kid":"hs""#) + "." + parts[1] + "." + parts[2],  // truncated JSON
            b64url(#"{"kid":"hs"}"#) + "." + parts[1] + "." + parts[2],  // no alg
            b64url(#"{"alg":256,"kid":"hs"}"#) + "." + parts[1] + "." + parts[2],
            b64url(#"{"alg":"HS256","kid":7}"#) + "." + parts[1] + "." + parts[2],
            b64url([0x7B, 0x22, 0x61, 0x6C, 0x67, 0x22, 0x3A, 0x22, 0xC0, 0xAF, 0x22, 0x7D]) + "." + parts[1] + "."
                + parts[2],  // bad UTF-8
            parts[0] + ".a*b." + parts[2],
        ]
        for token in cases {
            let error = verificationError { try verifier.verify(token) }
            #expect(error == .malformedCredential, "\(token.prefix(40))")
        }
    }

    @Test func signedPayloadThatIsNotAJSONObjectIsMalformed() {
        let verifier = hs256Verifier()
        for payload in [
            "[]", #""sub""#, "42", "null", "", "{", #"{"exp":"tomorrow"}"#, #"{"aud":[1]}"#, #"{"iss":null}"#,
        ] {
            let token = hs256Token(header: #"{"alg":"HS256","kid":"hs"}"#, payload: payload, secret: testSecret)
            #expect(verificationError { try verifier.verify(token) } == .malformedCredential, "\(payload)")
        }
    }

    @Test func claimsAreReadOnlyAfterTheSignatureVerified() {
        // A forged token whose payload is not JSON answers bad_signature: its payload is never parsed.
        let verifier = hs256Verifier()
        let token = hs256Token(
            header: #"{"alg":"HS256","kid":"hs"}"#,
            payload: "{{{",
            secret: Array(repeating: 7, count: 32)
        )
        #expect(verificationError { try verifier.verify(token) } == .badSignature)
    }

    @Test func missingOrUnknownKidIsUnknownKey() {
        let verifier = hs256Verifier()
        let missing = hs256Token(header: #"{"alg":"HS256"}"#, payload: self.payload, secret: testSecret)
        #expect(verificationError { try verifier.verify(missing) } == .unknownKey)
        let unknown = hs256Token(header: #"{"alg":"HS256","kid":"other"}"#, payload: self.payload, secret: testSecret)
        #expect(verificationError { try verifier.verify(unknown) } == .unknownKey)
        let empty = hs256Token(header: #"{"alg":"HS256","kid":""}"#, payload: self.payload, secret: testSecret)
        #expect(verificationError { try verifier.verify(empty) } == .unknownKey)
    }

    @Test func algOtherThanThePinnedOneIsNotAllowed() {
        let verifier = hs256Verifier()
        for alg in ["HS384", "HS512", "RS256", "ES256", "EdDSA", "ES512", "HS1", "hs256"] {
            let token = hs256Token(header: #"{"alg":"\#(alg)","kid":"hs"}"#, payload: self.payload, secret: testSecret)
            #expect(verificationError { try verifier.verify(token) } == .algNotAllowed, "\(alg)")
        }
    }
}
