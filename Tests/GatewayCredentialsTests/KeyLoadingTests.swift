import Crypto
import GatewayRules
import Testing
import _CryptoExtras

@testable import GatewayCredentials

/// Keys from PEM, JWK and JWK Set files, and what is refused at load.
@Suite struct KeyLoadingTests {
    let directory = TestDirectory()

    private func load(
        _ keys: [KeyRule],
        jwks: [JWKSRule] = [],
        fetched: [String: [UInt8]] = [:]
    ) -> Result<JWTKeyRing, KeyLoadError> {
        do throws(KeyLoadError) {
            return .success(try JWTKeyRing(keys: keys, jwks: jwks, fetchedJWKS: fetched))
        } catch {
            return .failure(error)
        }
    }

    private func problems(_ keys: [KeyRule], jwks: [JWKSRule] = []) -> [KeyLoadError.Problem] {
        if case .failure(let error) = self.load(keys, jwks: jwks) { return error.problems }
        return []
    }

    private static func coordinates(_ x963: [UInt8], _ size: Int) -> (String, String) {
        (b64url(Array(x963[1...size])), b64url(Array(x963[(size + 1)...])))
    }

    @Test func pemPublicKeysOfEveryFamilyLoad() throws {
        let rsa = IndependentSigner.rsaKey.publicKey
        let p256 = P256.Signing.PrivateKey().publicKey
        let p384 = P384.Signing.PrivateKey().publicKey
        let ed = Curve25519.Signing.PrivateKey().publicKey
        let rules = [
            KeyRule(
                id: "rs",
                alg: .rs256,
                material: .publicKeyFile(self.directory.write("rs.pem", rsa.pemRepresentation))
            ),
            KeyRule(
                id: "rs-pkcs1",
                alg: .rs512,
                material: .publicKeyFile(self.directory.write("rs1.pem", rsa.pkcs1PEMRepresentation))
            ),
            KeyRule(
                id: "ps",
                alg: .ps384,
                material: .publicKeyFile(self.directory.write("ps.pem", rsa.pemRepresentation))
            ),
            KeyRule(
                id: "es256",
                alg: .es256,
                material: .publicKeyFile(self.directory.write("es256.pem", p256.pemRepresentation))
            ),
            KeyRule(
                id: "es384",
                alg: .es384,
                material: .publicKeyFile(self.directory.write("es384.pem", p384.pemRepresentation))
            ),
            KeyRule(
                id: "ed",
                alg: .eddsa,
                material: .publicKeyFile(self.directory.write("ed.pem", ed.pemRepresentation))
            ),
        ]
        let ring = try JWTKeyRing(keys: rules)
        #expect(ring.count == 6)
        #expect(ring.keyIDs == ["ed", "es256", "es384", "ps", "rs", "rs-pkcs1"])
        #expect(ring.algorithm(forKeyID: "rs-pkcs1") == .rs512)
        #expect(ring.algorithm(forKeyID: "es384") == .es384)
        #expect(ring.algorithm(forKeyID: "missing") == nil)
    }

    @Test func jwkFilesOfEveryKeyTypeLoadAndVerify() async throws {
        // Each JWK is built from a key jwt-kit signs with, so loading it wrong fails verification.
        var rules: [KeyRule] = []
        var tokens: [String] = []
        for algorithm in ["RS256", "ES256", "ES384", "EdDSA", "HS512"] {
            let signer = try await IndependentSigner.make(algorithm: algorithm, kid: "jwk-\(algorithm)")
            let jwk: String
            switch algorithm {
            case "RS256":
                let primitives = try IndependentSigner.rsaKey.publicKey.getKeyPrimitives()
                jwk =
                    #"{"kty":"RSA","n":"\#(b64url(Array(primitives.modulus)))","e":"\#(b64url(Array(primitives.publicExponent)))"}"#
            case "ES256":
                let key = try P256.Signing.PublicKey(pemRepresentation: signer.publicKeyPEM!)
                let (x, y) = Self.coordinates(Array(key.x963Representation), 32)
                jwk = #"{"kty":"EC","crv":"P-256","x":"\#(x)","y":"\#(y)","use":"sig","kid":"jwk-ES256","alg":"ES256"}"#
            case "ES384":
                let key = try P384.Signing.PublicKey(pemRepresentation: signer.publicKeyPEM!)
                let (x, y) = Self.coordinates(Array(key.x963Representation), 48)
                jwk = #"{"kty":"EC","crv":"P-384","x":"\#(x)","y":"\#(y)"}"#
            case "EdDSA":
                let key = try Curve25519.Signing.PublicKey(pemRepresentation: signer.publicKeyPEM!)
                jwk = #"{"kty":"OKP","crv":"Ed25519","x":"\#(b64url(Array(key.rawRepresentation)))"}"#
            default:
                jwk = #"{"kty":"oct","k":"\#(b64url(signer.secret!))"}"#
            }
            let path = self.directory.write("\(algorithm).jwk", jwk)
            rules.append(
                KeyRule(id: "jwk-\(algorithm)", alg: JWTAlgorithm(rawValue: algorithm)!, material: .jwkFile(path))
            )
            tokens.append(try await signer.sign(IndependentClaims(sub: algorithm)))
        }
        let verifier = JWTVerifier(keyRing: try JWTKeyRing(keys: rules))
        for (token, algorithm) in zip(tokens, ["RS256", "ES256", "ES384", "EdDSA", "HS512"]) {
            #expect(try verifier.verify(token).claims.sub == algorithm)
        }
    }

    @Test func jwkSetFileLoadsEveryKeyByKid() async throws {
        let es = try await IndependentSigner.make(algorithm: "ES256", kid: "set-es")
        let ed = try await IndependentSigner.make(algorithm: "EdDSA", kid: "set-ed")
        let esKey = try P256.Signing.PublicKey(pemRepresentation: es.publicKeyPEM!)
        let (x, y) = Self.coordinates(Array(esKey.x963Representation), 32)
        let edKey = try Curve25519.Signing.PublicKey(pemRepresentation: ed.publicKeyPEM!)
        let set = """
            {"keys":[
              {"kty":"EC","crv":"P-256","kid":"set-es","alg":"ES256","x":"\(x)","y":"\(y)"},
              {"kty":"OKP","crv":"Ed25519","kid":"set-ed","alg":"EdDSA","x":"\(b64url(Array(edKey.rawRepresentation)))"},
              {"kty":"RSA","kid":"enc-key","alg":"RSA-OAEP","use":"enc","n":"AQAB","e":"AQAB"}
            ],"other":"ignored"}
            """
        let path = self.directory.write("jwks.json", set)
        let ring = try JWTKeyRing(
            keys: [],
            jwks: [JWKSRule(source: .file(path), issuer: "https://idp", audiences: ["api"])]
        )
        #expect(ring.keyIDs == ["set-ed", "set-es"])  // the encryption key is skipped
        let verifier = JWTVerifier(keyRing: ring)
        let verified = try verifier.verify(try await es.sign(IndependentClaims(sub: "es")))
        #expect(verified.claims.sub == "es")
        #expect(verified.keyIssuer == "https://idp")
        #expect(verified.keyAudiences == ["api"])
        #expect(try verifier.verify(try await ed.sign(IndependentClaims(sub: "ed"))).claims.sub == "ed")
    }

    @Test func jwkSetFromAURLUsesTheFetchedBytes() throws {
        let set = #"{"keys":[{"kty":"oct","kid":"u","alg":"HS256","k":"\#(b64url(testSecret))"}]}"#
        let rule = JWKSRule(source: .url("https://idp.example/jwks.json", refresh: .seconds(600)))
        let fetched = try JWTKeyRing(
            keys: [],
            jwks: [rule],
            fetchedJWKS: ["https://idp.example/jwks.json": Array(set.utf8)]
        )
        #expect(fetched.keyIDs == ["u"])
        #expect(fetched.pendingJWKSURLs.isEmpty)
        let pending = try JWTKeyRing(keys: [], jwks: [rule])
        #expect(pending.count == 0)
        #expect(pending.pendingJWKSURLs == ["https://idp.example/jwks.json"])
    }

    @Test func jwkSetKeysNeedKidAndAlg() {
        let k = b64url(testSecret)
        let path = self.directory.write(
            "jwks.json",
            #"{"keys":[{"kty":"oct","alg":"HS256","k":"\#(k)"},{"kty":"oct","kid":"no-alg","k":"\#(k)"},"#
                + #"{"kty":"oct","kid":"ok","alg":"HS256","k":"\#(k)"}]}"#
        )
        let problems = self.problems([], jwks: [JWKSRule(source: .file(path))])
        #expect(problems.count == 2)
        #expect(problems.allSatisfy { $0.keyPath == "jwks[1].file" })
        #expect(problems[0].message.contains("no kid"))
        #expect(problems[1].message.contains("no-alg") && problems[1].message.contains("no alg"))
    }

    @Test func jwkCurveMustSuitTheAlgorithm() {
        let key = P384.Signing.PrivateKey().publicKey
        let (x, y) = Self.coordinates(Array(key.x963Representation), 48)
        let p384AsP256 = self.directory.write("a.jwk", #"{"kty":"EC","crv":"P-256","x":"\#(x)","y":"\#(y)"}"#)
        let p384ForES256 = self.directory.write("b.jwk", #"{"kty":"EC","crv":"P-384","x":"\#(x)","y":"\#(y)"}"#)
        let okpForES256 = self.directory.write(
            "c.jwk",
            #"{"kty":"OKP","crv":"Ed25519","x":"\#(b64url(Array(repeating: 1, count: 32)))"}"#
        )
        let x25519 = self.directory.write(
            "d.jwk",
            #"{"kty":"OKP","crv":"X25519","x":"\#(b64url(Array(repeating: 1, count: 32)))"}"#
        )
        let octForRS = self.directory.write("e.jwk", #"{"kty":"oct","k":"\#(b64url(testSecret))"}"#)
        let problems = self.problems([
            KeyRule(id: "a", alg: .es256, material: .jwkFile(p384AsP256)),
            KeyRule(id: "b", alg: .es256, material: .jwkFile(p384ForES256)),
            KeyRule(id: "c", alg: .es256, material: .jwkFile(okpForES256)),
            KeyRule(id: "d", alg: .eddsa, material: .jwkFile(x25519)),
            KeyRule(id: "e", alg: .rs256, material: .jwkFile(octForRS)),
        ])
        #expect(
            problems.map(\.keyPath) == [
                "keys[1](a).jwk_file", "keys[2](b).jwk_file", "keys[3](c).jwk_file", "keys[4](d).jwk_file",
                "keys[5](e).jwk_file",
            ]
        )
        #expect(problems[1].message.contains("needs P-256"))
    }

    @Test func jwkKidAndAlgMustMatchTheRule() {
        let jwk = self.directory.write(
            "k.jwk",
            #"{"kty":"oct","kid":"other","alg":"HS384","k":"\#(b64url(testSecret))"}"#
        )
        let problems = self.problems([KeyRule(id: "mine", alg: .hs384, material: .jwkFile(jwk))])
        #expect(problems.count == 1)
        #expect(problems.first?.message.contains("kid") == true)
        let algProblems = self.problems([KeyRule(id: "other", alg: .hs256, material: .jwkFile(jwk))])
        #expect(algProblems.first?.message.contains("HS384") == true)
    }

    @Test func rsaKeysUnder2048BitsAreRefused() throws {
        let short = try _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: 1024)).publicKey
        let pem = self.directory.write("short.pem", short.pemRepresentation)
        let primitives = try short.getKeyPrimitives()
        let jwk = self.directory.write(
            "short.jwk",
            #"{"kty":"RSA","n":"\#(b64url(Array(primitives.modulus)))","e":"\#(b64url(Array(primitives.publicExponent)))"}"#
        )
        let problems = self.problems([
            KeyRule(id: "pem", alg: .rs256, material: .publicKeyFile(pem)),
            KeyRule(id: "jwk", alg: .ps256, material: .jwkFile(jwk)),
        ])
        #expect(problems.count == 2)
        #expect(problems.allSatisfy { $0.message.contains("1024 bits; at least 2048") })
    }

    @Test func hmacSecretsUnder32BytesAreRefused() throws {
        let short = Secret(bytes: Array(repeating: 0x61, count: 31), source: .environment("JWT_SECRET"))
        let problems = self.problems([KeyRule(id: "hs", alg: .hs256, material: .secret(short))])
        #expect(
            problems == [
                .init(
                    keyPath: "keys[1](hs).secret_env",
                    message: "the secret is 31 bytes; HMAC secrets need at least 32 (256 bits)"
                )
            ]
        )
        let shortJWK = self.directory.write(
            "short.jwk",
            #"{"kty":"oct","k":"\#(b64url(Array(repeating: 1, count: 31)))"}"#
        )
        #expect(self.problems([KeyRule(id: "j", alg: .hs256, material: .jwkFile(shortJWK))]).count == 1)
        // 32 bytes is enough.
        let enough = Secret(bytes: Array(repeating: 0x61, count: 32), source: .file("/run/secret"))
        #expect(try JWTKeyRing(keys: [KeyRule(id: "hs", alg: .hs256, material: .secret(enough))]).count == 1)
    }

    @Test func problemsCarryTheKeyPathAndNoKeyMaterial() {
        let p256 = P256.Signing.PrivateKey()
        let privatePEM = self.directory.write("private.pem", p256.pemRepresentation)
        let p384PEM = self.directory.write("p384.pem", P384.Signing.PrivateKey().publicKey.pemRepresentation)
        let secret = Secret(bytes: Array("a-secret-that-must-not-leak-0123456789".utf8), source: .inline)
        let problems = self.problems([
            KeyRule(id: "ok", alg: .hs256, material: .secret(Secret(bytes: testSecret, source: .inline))),
            KeyRule(id: "auth-es256", alg: .es256, material: .publicKeyFile(privatePEM)),
            KeyRule(id: "wrong-curve", alg: .es256, material: .publicKeyFile(p384PEM)),
            KeyRule(id: "missing", alg: .eddsa, material: .publicKeyFile(self.directory.path + "/nope.pem")),
            KeyRule(id: "not-hs", alg: .rs256, material: .secret(secret)),
            KeyRule(id: "ok", alg: .hs256, material: .secret(Secret(bytes: testSecret, source: .inline))),
        ])
        #expect(
            problems.map(\.keyPath) == [
                "keys[2](auth-es256).public_key_file",
                "keys[3](wrong-curve).public_key_file",
                "keys[4](missing).public_key_file",
                "keys[5](not-hs).secret",
                "keys[6](ok).secret",
            ]
        )
        #expect(problems[0].message.contains("private key"))
        #expect(problems[2].message.contains("no such file"))
        #expect(problems[4].message.contains("also used by keys[1](ok)"))
        let pemBody = p256.pemRepresentation.split(separator: "\n")[1]
        for problem in problems {
            #expect(!problem.message.contains(pemBody))
            #expect(!problem.message.contains("must-not-leak"))
        }
    }
}
