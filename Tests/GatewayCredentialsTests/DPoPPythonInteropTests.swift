import Foundation
import GatewayRules
import Testing

@testable import GatewayCredentials

/// Interoperability with an independent JOSE implementation: PyJWT (2.x) with `cryptography`
/// makes DPoP proofs — key pairs, JWKs, signatures and RFC 7638 thumbprints all computed in
/// Python — for ES256, EdDSA, RS256 and PS256, and this verifier must accept them. Runs only
/// where `python3` can import `jwt` and `cryptography` (`pip install PyJWT cryptography`; CI
/// installs them); skipped elsewhere.
@Suite(.enabled("needs python3 with PyJWT and cryptography (pip install PyJWT cryptography)") { await DPoPPythonInterop.isAvailable() })
struct DPoPPythonInteropTests {
    /// Prints, for each algorithm, a proof for `GET https://api.example.com/orders/7` presented
    /// with the token given on stdin, and the thumbprint of its key as Python computes it.
    static let proofScript = #"""
        import base64, hashlib, json, sys, time, uuid
        import jwt
        from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

        def b64(data):
            return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

        def thumbprint(jwk):
            required = {"EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x"), "RSA": ("e", "kty", "n")}
            members = {name: jwk[name] for name in required[jwk["kty"]]}
            canonical = json.dumps(members, separators=(",", ":"), sort_keys=True)
            return b64(hashlib.sha256(canonical.encode()).digest())

        token = sys.stdin.read().strip()
        rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        keys = {
            "ES256": (ec.generate_private_key(ec.SECP256R1()), ECAlgorithm),
            "EdDSA": (ed25519.Ed25519PrivateKey.generate(), OKPAlgorithm),
            "RS256": (rsa_key, RSAAlgorithm),
            "PS256": (rsa_key, RSAAlgorithm),
        }
        out = []
        for alg, (key, family) in keys.items():
            jwk = family.to_jwk(key.public_key(), as_dict=True)
            claims = {
                "jti": str(uuid.uuid4()), "htm": "GET", "htu": "https://api.example.com/orders/7",
                "iat": int(time.time()), "ath": b64(hashlib.sha256(token.encode()).digest()),
            }
            proof = jwt.encode(claims, key, algorithm=alg, headers={"typ": "dpop+jwt", "jwk": jwk})
            out.append({"alg": alg, "proof": proof, "jkt": thumbprint(jwk), "jti": claims["jti"]})
        print(json.dumps(out))
        """#

    @Test func proofsMadeByPyJWTAreAccepted() async throws {
        let output = try await PythonInterop.run(Self.proofScript, stdin: DPoPFixture.token)
        let proofs = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: String]])
        #expect(proofs.map { $0["alg"] } == ["ES256", "EdDSA", "RS256", "PS256"])
        let verifier = DPoPProofVerifier(algorithms: DPoPRules.defaultAlgorithms, window: 60)
        let request = DPoPRequest(method: "GET", scheme: "https", authority: "api.example.com", target: "/orders/7?page=2")
        let now = Int64(Date().timeIntervalSince1970)
        for entry in proofs {
            let proof = try #require(entry["proof"])
            let jkt = try #require(entry["jkt"])
            let verified = try verifier.verify(
                proof,
                request: request,
                accessToken: DPoPFixture.token,
                boundThumbprint: jkt,
                now: now
            )
            // The thumbprint computed here equals Python's.
            #expect(verified.jkt == jkt, "\(entry["alg"] ?? "")")
            #expect(verified.jti == entry["jti"])
            #expect(verified.algorithm.rawValue == entry["alg"])
            // And the same proof for another method, or another token, is refused.
            let post = DPoPRequest(method: "POST", scheme: "https", authority: "api.example.com", target: "/orders/7")
            #expect(throws: DPoPProofError.self) {
                try verifier.verify(proof, request: post, accessToken: DPoPFixture.token, boundThumbprint: jkt, now: now)
            }
            #expect(throws: DPoPProofError.self) {
                try verifier.verify(proof, request: request, accessToken: "other", boundThumbprint: jkt, now: now)
            }
        }
    }
}

enum DPoPPythonInterop {
    static func isAvailable() async -> Bool {
        (try? await PythonInterop.run("import jwt, cryptography; from jwt.algorithms import OKPAlgorithm")) != nil
    }
}
