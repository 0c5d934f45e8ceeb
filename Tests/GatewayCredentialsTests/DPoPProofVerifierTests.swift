import Crypto
import Foundation
import GatewayRules
import Testing

@testable import GatewayCredentials

/// RFC 9449 §4.3 and §7.1 at the resource server: one test per way a proof is refused, each
/// asserting the check that refused it (every one is `invalid_dpop_proof`), and proofs of every
/// accepted algorithm made with swift-crypto directly, outside the module.
@Suite struct DPoPProofVerifierTests {
    static let p256 = ProofKey.p256(P256.Signing.PrivateKey())
    let verifier = DPoPProofVerifier(algorithms: DPoPRules.defaultAlgorithms, window: 60)
    /// `GET https://api.example.com/orders/7?page=2` as the gateway received it.
    let request = DPoPRequest(method: "GET", scheme: "https", authority: "api.example.com", target: "/orders/7?page=2")

    func verify(
        _ proof: String,
        request: DPoPRequest? = nil,
        token: String = DPoPFixture.token,
        bound: String? = Self.p256.thumbprint,
        now: Int64 = DPoPFixture.now,
        verifier: DPoPProofVerifier? = nil
    ) throws(DPoPProofError) -> VerifiedDPoPProof {
        try (verifier ?? self.verifier).verify(
            proof,
            request: request ?? self.request,
            accessToken: token,
            boundThumbprint: bound,
            now: now
        )
    }

    /// The check that refused `proof`, or nil when it verified.
    func refusal(
        _ proof: String,
        request: DPoPRequest? = nil,
        token: String = DPoPFixture.token,
        bound: String? = Self.p256.thumbprint,
        now: Int64 = DPoPFixture.now,
        verifier: DPoPProofVerifier? = nil
    ) -> DPoPProofCheck? {
        do {
            _ = try self.verify(proof, request: request, token: token, bound: bound, now: now, verifier: verifier)
            return nil
        } catch {
            #expect(error.reasonCode == "invalid_dpop_proof")
            return error.check
        }
    }

    // MARK: Accepted

    @Test(arguments: [
        ProofKey.p256(P256.Signing.PrivateKey()), .ed25519(Curve25519.Signing.PrivateKey()),
        .rsa(ProofKey.rsaKey, pss: false), .rsa(ProofKey.rsaKey, pss: true),
    ])
    func aProofOfEachDefaultAlgorithmVerifies(key: ProofKey) throws {
        let proof = dpopProof(key: key)
        let verified = try self.verify(proof, bound: key.thumbprint)
        #expect(verified.jkt == key.thumbprint)
        #expect(verified.jti == "proof-jti-0123456789")
        #expect(verified.iat == DPoPFixture.now)
        #expect(verified.algorithm.rawValue == key.alg)
    }

    @Test func es384WhenListed() throws {
        let key = ProofKey.p384(P384.Signing.PrivateKey())
        let verifier = DPoPProofVerifier(algorithms: [.es384], window: 60)
        #expect(try self.verify(dpopProof(key: key), bound: key.thumbprint, verifier: verifier).jkt == key.thumbprint)
        // Not in the default list.
        #expect(self.refusal(dpopProof(key: key), bound: key.thumbprint) == .algorithm)
    }

    @Test func theSignerMakesProofsTheVerifierAccepts() throws {
        for key in [Self.p256, .ed25519(Curve25519.Signing.PrivateKey()), .rsa(ProofKey.rsaKey, pss: true)] {
            let signer = try DPoPProofSigner(privateKeyPEM: key.privatePEM)
            #expect(signer.thumbprint == key.thumbprint)
            let proof = try signer.proof(
                method: "GET",
                url: "https://api.example.com/orders/7?page=2#top",
                accessToken: DPoPFixture.token,
                issuedAt: DPoPFixture.now,
                jti: "a-fresh-jti"
            )
            let claims = try JSONSerialization.jsonObject(with: Data(unb64url(part(proof, 1)))) as? [String: Any]
            #expect(claims?["htu"] as? String == "https://api.example.com/orders/7")
            #expect(claims?["ath"] as? String == accessTokenHash(DPoPFixture.token))
            #expect(try self.verify(proof, bound: key.thumbprint).jti == "a-fresh-jti")
        }
        let rs256 = try DPoPProofSigner(privateKeyPEM: ProofKey.rsaKey.pemRepresentation, algorithm: .rs256)
        #expect(rs256.algorithm == .rs256)
        #expect(throws: KeyLoadError.self) { try DPoPProofSigner(privateKeyPEM: Self.p256.publicPEM) }
        #expect(throws: KeyLoadError.self) { try DPoPProofSigner(privateKeyPEM: Self.p256.privatePEM, algorithm: .hs256) }
    }

    // MARK: RFC 9449's own examples

    /// RFC 9449 §7.1, Figure 13: the proof sent with a DPoP-bound access token to
    /// `GET https://resource.example.org/protectedresource`, its key's thumbprint from §6.1.
    static let rfcResourceProof =
        "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19"
        + ".eyJqdGkiOiJlMWozVl9iS2ljOC1MQUVCIiwiaHRtIjoiR0VUIiwiaHR1IjoiaHR0cHM6Ly9yZXNvdXJjZS5leGFtcGxlLm9yZy9wcm90ZWN0ZWRyZXNvdXJjZSIsImlhdCI6MTU2MjI2MjYxOCwiYXRoIjoiZlVIeU8ycjJaM0RaNTNFc05yV0JiMHhXWG9hTnk1OUlpS0NBcWtzbVFFbyJ9"
        + ".2oW9RP35yRqzhrtNP86L-Ey71EOptxRimPPToA1plemAgR6pxHF8y6-yqyVnmcw6Fy1dqd-jfxSYoMxhAJpLjA"
    /// RFC 9449 §4.1, Figure 4: the proof of a token request, `POST https://server.example.com/token`.
    static let rfcTokenRequestProof =
        "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19"
        + ".eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2fQ"
        + ".2-GxA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiOSsX0x7NVY-FNyJK70nfbV37xRZT3Lg"
    /// RFC 9449 §6.1: the thumbprint of the examples' key.
    static let rfcThumbprint = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"
    /// RFC 9449 §7.1, Figure 12: the access token the proof's `ath` hashes.
    static let rfcAccessToken = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"

    @Test func rfc9449sResourceRequestProofVerifiesAtItsTimeAndIsTooOldNow() throws {
        let request = DPoPRequest(
            method: "GET",
            scheme: "https",
            authority: "resource.example.org",
            target: "/protectedresource"
        )
        let atItsTime = try self.verify(
            Self.rfcResourceProof,
            request: request,
            token: Self.rfcAccessToken,
            bound: Self.rfcThumbprint,
            now: 1_562_262_618
        )
        #expect(atItsTime.jkt == Self.rfcThumbprint)
        #expect(atItsTime.jti == "e1j3V_bKic8-LAEB")
        #expect(atItsTime.iat == 1_562_262_618)
        // Parsed and its signature checked today too: refused for its iat, not as malformed.
        #expect(
            self.refusal(Self.rfcResourceProof, request: request, token: Self.rfcAccessToken, bound: Self.rfcThumbprint)
                == .time
        )
    }

    @Test func rfc9449sTokenRequestProofIsRefusedForItsTime() {
        let request = DPoPRequest(method: "POST", scheme: "https", authority: "server.example.com", target: "/token")
        #expect(self.refusal(Self.rfcTokenRequestProof, request: request, bound: Self.rfcThumbprint) == .time)
        // At its own time it gets as far as ath, which a token request's proof does not carry.
        #expect(
            self.refusal(Self.rfcTokenRequestProof, request: request, bound: Self.rfcThumbprint, now: 1_562_262_616)
                == .tokenHash
        )
    }

    // MARK: Form

    @Test func anOversizedProofIsRefusedBeforeAnyParsing() {
        let proof = String(repeating: "A", count: DPoPProofVerifier.maxProofBytes + 1)
        #expect(self.refusal(proof) == .form)
    }

    @Test func notThreeBase64URLParts() {
        let proof = dpopProof(key: Self.p256)
        #expect(self.refusal(part(proof, 0) + "." + part(proof, 1)) == .form)
        #expect(self.refusal(proof + ".x") == .form)
        #expect(self.refusal(replacingPart(proof, 0, with: part(proof, 0) + "=")) == .form)
        #expect(self.refusal(replacingPart(proof, 0, with: b64url("[1]"))) == .form)
    }

    @Test func duplicateHeaderMembersAreRefused() {
        let proof = dpopProof(key: Self.p256, extraHeader: #","typ":"dpop+jwt""#)
        #expect(self.refusal(proof) == .form)
    }

    @Test func critIsRefused() {
        let proof = dpopProof(key: Self.p256, extraHeader: #","crit":["exp"],"exp":1"#)
        #expect(self.refusal(proof) == .form)
    }

    // MARK: typ

    @Test func typMustBeDPoPJWT() {
        #expect(self.refusal(dpopProof(key: Self.p256, typ: nil)) == .type)
        #expect(self.refusal(dpopProof(key: Self.p256, typ: "JWT")) == .type)
        #expect(self.refusal(dpopProof(key: Self.p256, typ: "at+jwt")) == .type)
        // RFC 7515 §4.1.9: media types compare case-insensitively, "application/" implied.
        #expect(self.refusal(dpopProof(key: Self.p256, typ: "application/dpop+jwt")) == nil)
        #expect(self.refusal(dpopProof(key: Self.p256, typ: "DPoP+JWT")) == nil)
    }

    // MARK: alg

    @Test func anHMACProofIsRefused() {
        let secret = SymmetricKey(size: .bits256)
        let header = #"{"typ":"dpop+jwt","alg":"HS256","jwk":{"kty":"oct","k":"\#(b64url(secret.withUnsafeBytes { Array($0) }))"}}"#
        let claims = #"{"jti":"j","htm":"GET","htu":"https://api.example.com/orders/7","iat":\#(DPoPFixture.now),"ath":"\#(accessTokenHash(DPoPFixture.token))"}"#
        let input = b64url(header) + "." + b64url(claims)
        let mac = HMAC<SHA256>.authenticationCode(for: Array(input.utf8), using: secret)
        let proof = input + "." + b64url(Array(mac))
        #expect(self.refusal(proof) == .algorithm)
        // Even when HS256 is (wrongly) handed to the verifier: it drops symmetric algorithms.
        let lenient = DPoPProofVerifier(algorithms: [.hs256, .es256], window: 60)
        #expect(lenient.algorithms == [.es256])
        #expect(self.refusal(proof, verifier: lenient) == .algorithm)
    }

    @Test func algNoneAndUnlistedAlgorithmsAreRefused() {
        let proof = dpopProof(key: Self.p256)
        let none = b64url(#"{"typ":"dpop+jwt","alg":"none","jwk":\#(Self.p256.jwkJSON)}"#) + "." + part(proof, 1) + "."
        #expect(self.refusal(none) == .algorithm)
        let noneSigned = replacingPart(proof, 0, with: b64url(#"{"typ":"dpop+jwt","alg":"none","jwk":\#(Self.p256.jwkJSON)}"#))
        #expect(self.refusal(noneSigned) == .algorithm)
        #expect(self.refusal(dpopProof(key: Self.p256, alg: "ES512")) == .algorithm)
        let edOnly = DPoPProofVerifier(algorithms: [.eddsa], window: 60)
        #expect(self.refusal(proof, verifier: edOnly) == .algorithm)
    }

    // MARK: jwk

    @Test func aJWKWithAPrivateMemberIsRefused() {
        guard case .p256(let key) = Self.p256 else { return }
        let d = b64url(Array(key.rawRepresentation))
        let withD = String(Self.p256.jwkJSON.dropLast()) + #","d":"\#(d)"}"#
        #expect(self.refusal(dpopProof(key: Self.p256, jwk: withD)) == .key)
        let rsa = ProofKey.rsa(ProofKey.rsaKey, pss: false)
        let withP = String(rsa.jwkJSON.dropLast()) + #","p":"AQAB"}"#
        #expect(self.refusal(dpopProof(key: rsa, jwk: withP), bound: rsa.thumbprint) == .key)
    }

    @Test func aJWKOfAnotherKindOrNoneIsRefused() {
        let ed = ProofKey.ed25519(Curve25519.Signing.PrivateKey())
        // alg ES256 with an OKP key.
        #expect(self.refusal(dpopProof(key: Self.p256, jwk: ed.jwkJSON)) == .key)
        // No jwk at all, or not an object.
        #expect(self.refusal(dpopProof(key: Self.p256, jwk: "")) == .key)
        #expect(self.refusal(dpopProof(key: Self.p256, jwk: #""a string""#)) == .key)
        // A P-384 key for ES256.
        let p384 = ProofKey.p384(P384.Signing.PrivateKey())
        #expect(self.refusal(dpopProof(key: Self.p256, jwk: p384.jwkJSON)) == .key)
        // A point that is not on the curve.
        let offCurve = #"{"crv":"P-256","kty":"EC","x":"\#(b64url([UInt8](repeating: 1, count: 32)))","y":"\#(b64url([UInt8](repeating: 2, count: 32)))"}"#
        #expect(self.refusal(dpopProof(key: Self.p256, jwk: offCurve)) == .key)
    }

    @Test func anRSAModulusWithALeadingZeroOctetIsRefused() {
        let rsa = ProofKey.rsa(ProofKey.rsaKey, pss: false)
        let primitives = try! ProofKey.rsaKey.publicKey.getKeyPrimitives()
        let padded = #"{"e":"\#(b64url(Array(primitives.publicExponent)))","kty":"RSA","n":"\#(b64url([0] + Array(primitives.modulus)))"}"#
        #expect(self.refusal(dpopProof(key: rsa, jwk: padded), bound: rsa.thumbprint) == .key)
    }

    // MARK: Signature

    @Test func aProofSignedByAnotherKeyThanItsJWKIsRefused() {
        let other = ProofKey.p256(P256.Signing.PrivateKey())
        // Signed by `other`, carrying Self.p256's public key (and bound to it).
        #expect(self.refusal(dpopProof(key: other, jwk: Self.p256.jwkJSON)) == .signature)
    }

    @Test func aTamperedOrPsychicSignatureIsRefused() {
        let proof = dpopProof(key: Self.p256)
        let tampered = replacingPart(proof, 1, with: b64url(String(decoding: unb64url(part(proof, 1)), as: UTF8.self).replacingOccurrences(of: "GET", with: "PUT")))
        #expect(self.refusal(tampered) == .signature)
        #expect(self.refusal(replacingPart(proof, 2, with: b64url([UInt8](repeating: 0, count: 64)))) == .signature)
        #expect(self.refusal(replacingPart(proof, 2, with: b64url([UInt8](repeating: 0, count: 63)))) == .signature)
    }

    // MARK: Claims

    @Test func claimsMustBeWellFormedAndPresent() {
        #expect(self.refusal(dpopProof(key: Self.p256, jti: nil)) == .claims)
        #expect(self.refusal(dpopProof(key: Self.p256, htm: nil)) == .claims)
        #expect(self.refusal(dpopProof(key: Self.p256, htu: nil)) == .claims)
        #expect(self.refusal(dpopProof(key: Self.p256, iat: nil)) == .claims)
        #expect(self.refusal(dpopProof(key: Self.p256, jti: "")) == .claims)
        #expect(self.refusal(dpopProof(key: Self.p256, jti: String(repeating: "j", count: 257))) == .claims)
        #expect(self.refusal(dpopProof(key: Self.p256, jti: String(repeating: "j", count: 256))) == nil)
        #expect(self.refusal(dpopProof(key: Self.p256, extraClaims: #","jti":"again""#)) == .claims)
        #expect(self.refusal(dpopProof(key: Self.p256, iat: nil, extraClaims: #","iat":"1800000000""#)) == .claims)
        #expect(self.refusal(dpopProof(key: Self.p256, htm: nil, extraClaims: #","htm":1"#)) == .claims)
    }

    // MARK: htm, htu

    @Test func aProofForAnotherMethodIsRefused() {
        #expect(self.refusal(dpopProof(key: Self.p256, htm: "POST")) == .method)
        // Methods are case-sensitive (RFC 9110 §9.1).
        #expect(self.refusal(dpopProof(key: Self.p256, htm: "get")) == .method)
    }

    @Test func aProofForAnotherURIIsRefused() {
        #expect(self.refusal(dpopProof(key: Self.p256, htu: "https://api.example.com/orders/8")) == .uri)
        #expect(self.refusal(dpopProof(key: Self.p256, htu: "https://api.example.com/orders")) == .uri)
        #expect(self.refusal(dpopProof(key: Self.p256, htu: "https://other.example.com/orders/7")) == .uri)
        #expect(self.refusal(dpopProof(key: Self.p256, htu: "http://api.example.com/orders/7")) == .uri)
        #expect(self.refusal(dpopProof(key: Self.p256, htu: "https://api.example.com:8443/orders/7")) == .uri)
        #expect(self.refusal(dpopProof(key: Self.p256, htu: "/orders/7")) == .uri)
        let noHost = DPoPRequest(method: "GET", scheme: "https", authority: "", target: "/orders/7")
        #expect(self.refusal(dpopProof(key: Self.p256), request: noHost) == .uri)
    }

    @Test func queryAndFragmentAreIgnoredAndURIsAreNormalised() {
        // The request has ?page=2; the proof's htu has none, or another query, or a fragment.
        #expect(self.refusal(dpopProof(key: Self.p256)) == nil)
        #expect(self.refusal(dpopProof(key: Self.p256, htu: "https://api.example.com/orders/7?page=9#x")) == nil)
        // RFC 3986 §6.2.2 / §6.2.3, as RFC 9449 §4.3 advises.
        #expect(self.refusal(dpopProof(key: Self.p256, htu: "HTTPS://API.Example.COM:443/orders/%37")) == nil)
        let odd = DPoPRequest(method: "GET", scheme: "https", authority: "API.example.com:443", target: "/orders/./7")
        #expect(self.refusal(dpopProof(key: Self.p256), request: odd) == nil)
        // An absolute-form request target is the target URI.
        let absolute = DPoPRequest(method: "GET", scheme: "http", authority: "ignored", target: "https://api.example.com/orders/7?q")
        #expect(self.refusal(dpopProof(key: Self.p256), request: absolute) == nil)
    }

    // MARK: iat

    @Test func iatOutsideTheWindowEitherWayIsRefused() {
        #expect(self.refusal(dpopProof(key: Self.p256, iat: DPoPFixture.now - 61)) == .time)
        #expect(self.refusal(dpopProof(key: Self.p256, iat: DPoPFixture.now + 61)) == .time)
        #expect(self.refusal(dpopProof(key: Self.p256, iat: DPoPFixture.now - 60)) == nil)
        #expect(self.refusal(dpopProof(key: Self.p256, iat: DPoPFixture.now + 60)) == nil)
        #expect(self.refusal(dpopProof(key: Self.p256, iat: -1)) == .time)
        #expect(self.refusal(dpopProof(key: Self.p256, iat: Int64.max)) == .time)
        #expect(self.refusal(dpopProof(key: Self.p256, iat: nil, extraClaims: #","iat":1e300"#)) == .claims)
    }

    // MARK: ath, jkt

    @Test func aProofForAnotherTokenIsRefused() {
        #expect(self.refusal(dpopProof(key: Self.p256), token: DPoPFixture.token + "x") == .tokenHash)
        #expect(self.refusal(dpopProof(key: Self.p256, ath: nil)) == .tokenHash)
        #expect(self.refusal(dpopProof(key: Self.p256, ath: accessTokenHash("another-token"))) == .tokenHash)
    }

    @Test func aProofByAKeyOtherThanTheTokensIsRefused() {
        let other = ProofKey.p256(P256.Signing.PrivateKey())
        #expect(self.refusal(dpopProof(key: other)) == .binding)
        #expect(self.refusal(dpopProof(key: Self.p256), bound: nil) == .binding)
    }

    // MARK: Hygiene

    @Test func errorsNeverHoldTheProofTheTokenOrTheKey() {
        let proofs = [
            dpopProof(key: Self.p256, htm: "POST"), dpopProof(key: ProofKey.p256(P256.Signing.PrivateKey())),
            dpopProof(key: Self.p256, ath: nil), dpopProof(key: Self.p256, jwk: ""),
        ]
        for proof in proofs {
            do {
                _ = try self.verify(proof)
                Issue.record("verified")
            } catch {
                let text = "\(error) \(error.detail)"
                for piece in [part(proof, 0), part(proof, 1), part(proof, 2), DPoPFixture.token, "proof-jti-0123456789"] {
                    #expect(!text.contains(piece))
                }
                for (_, value) in Self.p256.jwk where value.count > 8 { #expect(!text.contains(value)) }
            }
        }
    }

    @Test func checksAreListedInTheOrderTheyRun() {
        #expect(DPoPProofCheck.allInOrder.map(\.description) == [
            "form", "typ", "alg", "jwk", "signature", "claims", "htm", "htu", "iat", "ath", "jkt",
        ])
    }
}
