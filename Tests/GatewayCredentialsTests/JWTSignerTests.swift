import Crypto
import Foundation
import GatewayRules
import Testing
import _CryptoExtras

@testable import GatewayCredentials

/// Tokens we sign verify with our verifier and with jwt-kit, for every algorithm.
@Suite struct JWTSignerTests {
    static let claims = JWTClaims(
        iss: "gateway",
        sub: "partner-acme",
        aud: ["orders-api"],
        exp: 2_000_000_000,
        iat: 1_700_000_000,
        jti: "7f1c",
        scopes: ["orders:read", "orders:write"]
    )

    @Test(arguments: IndependentSigner.allAlgorithms)
    func signsEveryAlgorithm(_ algorithm: String) async throws {
        let independent = try await IndependentSigner.make(algorithm: algorithm, kid: "gw-\(algorithm)")
        let alg = JWTAlgorithm(rawValue: algorithm)!
        let signer: JWTSigner
        if let secret = independent.secret {
            signer = try JWTSigner(algorithm: alg, secret: secret, keyID: independent.kid)
        } else {
            signer = try JWTSigner(algorithm: alg, privateKeyPEM: independent.privateKeyPEM!, keyID: independent.kid)
        }
        let token = try signer.sign(Self.claims)

        let header = String(decoding: unb64url(part(token, 0)), as: UTF8.self)
        #expect(header == #"{"alg":"\#(algorithm)","typ":"JWT","kid":"gw-\#(algorithm)"}"#)

        let directory = TestDirectory()
        let verifier = JWTVerifier(keyRing: try JWTKeyRing(keys: [keyRule(for: independent, in: directory)]))
        let verified = try verifier.verify(token)
        #expect(verified.claims == Self.claims.with(scopeClaim: "scope"))
        #expect(await independent.verifies(token))
    }

    @Test func acceptsSEC1AndPKCS1PrivateKeys() throws {
        let ec = P256.Signing.PrivateKey()
        // SEC 1 ECPrivateKey (RFC 5915 §3): version 1, the scalar, the curve's OID (prime256v1).
        let der: [UInt8] =
            [0x30, 0x31, 0x02, 0x01, 0x01, 0x04, 0x20] + Array(ec.rawRepresentation)
            + [0xA0, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]
        let sec1 =
            "-----BEGIN EC PRIVATE KEY-----\n" + Data(der).base64EncodedString(options: .lineLength64Characters)
            + "\n-----END EC PRIVATE KEY-----\n"
        let ecSigner = try JWTSigner(algorithm: .es256, privateKeyPEM: sec1, keyID: "ec")
        let ecToken = try ecSigner.sign(JWTClaims(sub: "a"))
        let point = Array(ec.publicKey.x963Representation)
        let x = b64url(Array(point[1...32]))
        let y = b64url(Array(point[33...]))
        let jwk = #"{"kty":"EC","crv":"P-256","x":"\#(x)","y":"\#(y)"}"#
        let ecKey = try JWK(json: Array(jwk.utf8)).verificationKey(for: .es256)
        #expect(try JWTVerifier(keyRing: try JWTKeyRing(keys: [])).verify(ecToken, using: ecKey).claims.sub == "a")

        let pkcs1 = IndependentSigner.rsaKey.pemRepresentation
        #expect(pkcs1.hasPrefix("-----BEGIN RSA PRIVATE KEY-----"))
        let rsaSigner = try JWTSigner(algorithm: .ps512, privateKeyPEM: pkcs1, keyID: "rsa")
        let directory = TestDirectory()
        let path = directory.write("rsa.pem", IndependentSigner.rsaKey.publicKey.pemRepresentation)
        let verifier = JWTVerifier(
            keyRing: try JWTKeyRing(keys: [KeyRule(id: "rsa", alg: .ps512, material: .publicKeyFile(path))])
        )
        #expect(try verifier.verify(try rsaSigner.sign(JWTClaims(sub: "b"))).claims.sub == "b")
    }

    @Test func refusesWrongOrWeakKeys() throws {
        #expect(throws: KeyLoadError.self) {
            _ = try JWTSigner(algorithm: .hs256, secret: Array(repeating: 1, count: 31), keyID: "k")
        }
        #expect(throws: KeyLoadError.self) {
            _ = try JWTSigner(algorithm: .es384, privateKeyPEM: P256.Signing.PrivateKey().pemRepresentation, keyID: "k")
        }
        #expect(throws: KeyLoadError.self) {
            _ = try JWTSigner(
                algorithm: .es256,
                privateKeyPEM: P256.Signing.PrivateKey().publicKey.pemRepresentation,
                keyID: "k"
            )
        }
        let short = try _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: 1024))
        do {
            _ = try JWTSigner(algorithm: .rs256, privateKeyPEM: short.pemRepresentation, keyID: "k")
            Issue.record("a 1024-bit RSA key was accepted")
        } catch {
            #expect(error.problems.first?.message.contains("1024 bits") == true)
        }
    }

    @Test func keyFileContentsDropOneTrailingNewlineForSecrets() throws {
        let signer = try JWTSigner(algorithm: .hs256, keyFileContents: testSecret + [0x0A], keyID: "hs")
        let token = try signer.sign(JWTClaims(sub: "file"))
        #expect(try hs256Verifier().verify(token).claims.sub == "file")
        let pem = try JWTSigner(
            algorithm: .eddsa,
            keyFileContents: Array(Curve25519.Signing.PrivateKey().pemRepresentation.utf8),
            keyID: "ed"
        )
        #expect(pem.algorithm == .eddsa)
    }

    @Test func signerFromAKeyRuleReadsItsPrivateKeyFile() throws {
        let directory = TestDirectory()
        let key = P384.Signing.PrivateKey()
        let rule = KeyRule(
            id: "gw-es384",
            alg: .es384,
            material: .publicKeyFile(directory.write("pub.pem", key.publicKey.pemRepresentation)),
            privateKeyFile: directory.write("key.pem", key.pemRepresentation)
        )
        let signer = try JWTSigner(keyRule: rule, keyPath: "keys[1](gw-es384)")
        let verifier = JWTVerifier(keyRing: try JWTKeyRing(keys: [rule]))
        #expect(try verifier.verify(try signer.sign(JWTClaims(sub: "x"))).kid == "gw-es384")
        do {
            _ = try JWTSigner(
                keyRule: KeyRule(id: "v", alg: .es256, material: .publicKeyFile("/x")),
                keyPath: "keys[2](v)"
            )
            Issue.record("a key without private_key_file signed")
        } catch {
            #expect(error.problems.first?.keyPath == "keys[2](v).private_key_file")
        }
    }

    @Test func claimsAreEscapedAndScopeArraysKeptForOtherNames() throws {
        let signer = try JWTSigner(algorithm: .hs256, secret: testSecret, keyID: "hs")
        let claims = JWTClaims(
            sub: "a \"quoted\" \\ name\n\u{1}é",
            aud: ["x", "y"],
            scopes: ["a", "b"],
            scopeClaim: "scp"
        )
        let token = try signer.sign(claims)
        let verified = try hs256Verifier().verify(token)
        #expect(verified.claims.sub == claims.sub)
        #expect(verified.claims.aud == ["x", "y"])
        #expect(verified.claims.scopes == ["a", "b"])
        #expect(verified.claims.scopeClaim == "scp")
        #expect(String(decoding: unb64url(part(token, 1)), as: UTF8.self).contains(#""scp":["a","b"]"#))
    }

    /// RFC 9449 §6.1: a bound token carries `"cnf":{"jkt":…}`, which the verifier reads back.
    @Test func aBoundTokenCarriesCnfJkt() throws {
        let signer = try JWTSigner(algorithm: .hs256, secret: testSecret, keyID: "hs")
        let jkt = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"
        let token = try signer.sign(JWTClaims(sub: "alice", exp: 2_000_000_000, jkt: jkt))
        #expect(String(decoding: unb64url(part(token, 1)), as: UTF8.self).contains(#""cnf":{"jkt":"\#(jkt)"}"#))
        #expect(try hs256Verifier().verify(token).claims.jkt == jkt)
        #expect(try hs256Verifier().verify(try signer.sign(JWTClaims(sub: "bob", exp: 2_000_000_000))).claims.jkt == nil)
    }
}

extension JWTClaims {
    func with(scopeClaim: String) -> JWTClaims {
        var copy = self
        copy.scopeClaim = scopeClaim
        return copy
    }
}

/// The token endpoint's `client_id` claim: written by the signer, read back from a verified token.
@Suite struct JWTPrivateClaimTests {
    @Test func privateClaimsComeLastAndReadBack() throws {
        let signer = try JWTSigner(algorithm: .hs256, secret: testSecret, keyID: "hs")
        let token = try signer.sign(
            JWTClaims(sub: "acme", jti: "j1", scopes: ["a"]),
            privateClaims: [(name: "client_id", value: "partner:\"acme\"")]
        )
        let payload = String(decoding: unb64url(part(token, 1)), as: UTF8.self)
        #expect(payload == #"{"sub":"acme","jti":"j1","scope":"a","client_id":"partner:\"acme\""}"#)
        let verified = try hs256Verifier().verify(token)
        #expect(verified.claims.sub == "acme")
        #expect(JWTPrivateClaim.string("client_id", ofVerifiedToken: token) == "partner:\"acme\"")
        #expect(JWTPrivateClaim.string("sub", ofVerifiedToken: token) == "acme")
        #expect(JWTPrivateClaim.string("absent", ofVerifiedToken: token) == nil)
        #expect(JWTPrivateClaim.string("client_id", ofVerifiedToken: "not a token") == nil)
    }

    @Test func aNonStringClaimIsNil() throws {
        let signer = try JWTSigner(algorithm: .hs256, secret: testSecret, keyID: "hs")
        let token = try signer.sign(payload: Array(#"{"client_id":7}"#.utf8))
        #expect(JWTPrivateClaim.string("client_id", ofVerifiedToken: token) == nil)
    }
}
