import GatewayRules
import Testing

@testable import GatewayCredentials

/// Every algorithm, keys generated at test time, tokens signed by vapor/jwt-kit.
@Suite struct JWTVerifierTests {
    static let claims = IndependentClaims(
        iss: "https://auth.example.com",
        sub: "user-42",
        aud: ["orders-api", "billing-api"],
        exp: 2_000_000_000,
        iat: 1_700_000_000,
        jti: "jti-1",
        scope: "orders:read orders:write"
    )

    private func setUp(_ algorithm: String) async throws -> (IndependentSigner, JWTVerifier, TestDirectory) {
        let signer = try await IndependentSigner.make(algorithm: algorithm, kid: "k-\(algorithm)")
        let directory = TestDirectory()
        let ring = try JWTKeyRing(keys: [keyRule(for: signer, in: directory)])
        return (signer, JWTVerifier(keyRing: ring), directory)
    }

    @Test(arguments: IndependentSigner.allAlgorithms)
    func tokenSignedByJWTKitVerifies(_ algorithm: String) async throws {
        let (signer, verifier, _) = try await self.setUp(algorithm)
        let token = try await signer.sign(Self.claims)
        let verified = try verifier.verify(token)
        #expect(verified.kid == "k-\(algorithm)")
        #expect(verified.alg.rawValue == algorithm)
        #expect(verified.claims.iss == "https://auth.example.com")
        #expect(verified.claims.sub == "user-42")
        #expect(verified.claims.aud == ["orders-api", "billing-api"])
        #expect(verified.claims.exp == 2_000_000_000)
        #expect(verified.claims.iat == 1_700_000_000)
        #expect(verified.claims.nbf == nil)
        #expect(verified.claims.jti == "jti-1")
        #expect(verified.claims.scopes == ["orders:read", "orders:write"])
        #expect(verified.claims.scopeClaim == "scope")
    }

    @Test(arguments: IndependentSigner.allAlgorithms)
    func tamperedHeaderFails(_ algorithm: String) async throws {
        let (signer, verifier, _) = try await self.setUp(algorithm)
        let token = try await signer.sign(Self.claims)
        // The same alg and kid, one more member: still a well-formed header, no longer signed.
        let header = #"{"alg":"\#(algorithm)","kid":"k-\#(algorithm)","typ":"JWT","x":1}"#
        let tampered = replacingPart(token, 0, with: b64url(header))
        #expect(verificationError { try verifier.verify(tampered) } == .badSignature)
    }

    @Test(arguments: IndependentSigner.allAlgorithms)
    func tamperedPayloadFails(_ algorithm: String) async throws {
        let (signer, verifier, _) = try await self.setUp(algorithm)
        let token = try await signer.sign(Self.claims)
        var claims = Self.claims
        claims.scope = "admin"
        let other = try await signer.sign(claims)
        let tampered = replacingPart(token, 1, with: part(other, 1))
        #expect(verificationError { try verifier.verify(tampered) } == .badSignature)
    }

    @Test(arguments: IndependentSigner.allAlgorithms)
    func tamperedSignatureFails(_ algorithm: String) async throws {
        let (signer, verifier, _) = try await self.setUp(algorithm)
        let token = try await signer.sign(Self.claims)
        for position in [0, 17, 31] {
            var signature = unb64url(part(token, 2))
            signature[position] ^= 0x01
            let tampered = replacingPart(token, 2, with: b64url(signature))
            #expect(verificationError { try verifier.verify(tampered) } == .badSignature)
        }
        // Truncated and extended signatures fail too.
        let signature = unb64url(part(token, 2))
        #expect(
            verificationError {
                try verifier.verify(replacingPart(token, 2, with: b64url(Array(signature.dropLast()))))
            } == .badSignature
        )
        #expect(
            verificationError { try verifier.verify(replacingPart(token, 2, with: b64url(signature + [0]))) }
                == .badSignature
        )
    }

    @Test(arguments: IndependentSigner.allAlgorithms)
    func anotherKeyOfTheSameAlgorithmFails(_ algorithm: String) async throws {
        let (_, verifier, _) = try await self.setUp(algorithm)
        // A different key, same kid and alg: for RSA the shared test key would verify, so skip it.
        guard !algorithm.hasPrefix("RS"), !algorithm.hasPrefix("PS") else { return }
        let impostor = try await IndependentSigner.make(algorithm: algorithm, kid: "k-\(algorithm)")
        let token = try await impostor.sign(Self.claims)
        #expect(verificationError { try verifier.verify(token) } == .badSignature)
    }

    @Test func fractionalNumericDatesRoundSoTheTokenIsValidForLess() async throws {
        let (signer, verifier, _) = try await self.setUp("ES256")
        let token = try await signer.sign(IndependentClaims(exp: 2_000_000_000.75, iat: 1_700_000_000.25))
        let verified = try verifier.verify(token)
        #expect(verified.claims.exp == 2_000_000_000)
        #expect(verified.claims.iat == 1_700_000_001)
    }

    @Test func aSingleAudienceStringIsOneElement() throws {
        let token = hs256Token(
            header: #"{"alg":"HS256","kid":"hs"}"#,
            payload: #"{"aud":"orders-api"}"#,
            secret: testSecret
        )
        #expect(try hs256Verifier().verify(token).claims.aud == ["orders-api"])
        let none = hs256Token(header: #"{"alg":"HS256","kid":"hs"}"#, payload: #"{}"#, secret: testSecret)
        #expect(try hs256Verifier().verify(none).claims.aud == nil)
    }

    @Test func keyPinsTravelWithTheVerifiedToken() throws {
        let rule = KeyRule(
            id: "hs",
            alg: .hs256,
            material: .secret(Secret(bytes: testSecret, source: .inline)),
            issuer: "https://auth.example.com",
            audiences: ["orders-api"]
        )
        let verifier = JWTVerifier(keyRing: try JWTKeyRing(keys: [rule]))
        let token = hs256Token(header: #"{"alg":"HS256","kid":"hs"}"#, payload: #"{"sub":"a"}"#, secret: testSecret)
        let verified = try verifier.verify(token)
        #expect(verified.keyIssuer == "https://auth.example.com")
        #expect(verified.keyAudiences == ["orders-api"])
    }

    @Test func verifiesASubstringAndBytes() throws {
        let token = hs256Token(header: #"{"alg":"HS256","kid":"hs"}"#, payload: #"{"sub":"a"}"#, secret: testSecret)
        let header = "Bearer " + token
        let substring = header.dropFirst(7)
        #expect(try hs256Verifier().verify(substring).claims.sub == "a")
        let bytes = Array(token.utf8)
        let verified = try bytes.withUnsafeBytes { buffer throws(JWTVerificationError) in
            try hs256Verifier().verify(bytes: buffer)
        }
        #expect(verified.claims.sub == "a")
    }

    @Test func verifierFromRulesUsesTheirKeysAndScopeClaims() throws {
        let rules = Rules(
            sourcePath: "gateway.conf",
            jwt: JWTRules(scopeClaims: ["scopes"]),
            keys: [KeyRule(id: "hs", alg: .hs256, material: .secret(Secret(bytes: testSecret, source: .inline)))]
        )
        let verifier = try JWTVerifier(rules: rules)
        let token = hs256Token(
            header: #"{"alg":"HS256","kid":"hs"}"#,
            payload: #"{"scope":"ignored","scopes":["a","b"]}"#,
            secret: testSecret
        )
        let verified = try verifier.verify(token)
        #expect(verified.claims.scopes == ["a", "b"])
        #expect(verified.claims.scopeClaim == "scopes")
        #expect(verifier.keyRing.count == 1)
    }

    @Test func reasonCodesAreSPECs() {
        #expect(JWTVerificationError.malformedCredential.reasonCode == "malformed_credential")
        #expect(JWTVerificationError.unknownKey.reasonCode == "unknown_key")
        #expect(JWTVerificationError.algNotAllowed.reasonCode == "alg_not_allowed")
        #expect(JWTVerificationError.badSignature.reasonCode == "bad_signature")
        #expect(JWTVerificationError.malformedCredential.httpStatus == 400)
        #expect(JWTVerificationError.badSignature.httpStatus == 401)
    }
}
