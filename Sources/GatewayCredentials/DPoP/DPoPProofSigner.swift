public import GatewayRules

/// Makes DPoP proofs (RFC 9449 §4.2) for `gateway dpop proof`, tests and benchmarks: what a
/// client sends in the `DPoP` header with each request.
///
/// The header is `{"typ":"dpop+jwt","alg":…,"jwk":{…}}`, the `jwk` holding only the public
/// key's required members (RFC 7638 §3.2); the claims `{"jti":…,"htm":…,"htu":…,"iat":…,"ath":…}`
/// with `htu` the URL without query and fragment (§4.2) and `ath` the base64url SHA-256 of the
/// access token (§7.1).
public struct DPoPProofSigner: Sendable {
    public let algorithm: JWTAlgorithm
    /// The RFC 7638 thumbprint of the public key: the `cnf.jkt` of tokens bound to it.
    public let thumbprint: String
    private let key: AnySigningKey
    /// `BASE64URL(header) || '.'`, the same for every proof.
    private let encodedHeader: [UInt8]

    /// A signer from a private key PEM (EC P-256 / P-384, Ed25519, RSA). `algorithm` defaults to
    /// the key's own: ES256, ES384, EdDSA, or PS256 for RSA (RS256 on request).
    public init(privateKeyPEM: String, algorithm: JWTAlgorithm? = nil, keyPath: String = "--key") throws(KeyLoadError) {
        do throws(KeyProblem) {
            let publicKey = try PublicJWK(pem: privateKeyPEM)
            guard PEMKeys.label(of: privateKeyPEM)?.hasSuffix("PRIVATE KEY") == true else {
                throw KeyProblem("a proof is signed with a private key; this PEM holds a public key")
            }
            let chosen = algorithm ?? publicKey.defaultAlgorithm
            guard !chosen.isHMAC else { throw KeyProblem("\(chosen.rawValue) is symmetric; DPoP proofs are signed with private keys") }
            let key = try PEMKeys.signingKey(pem: privateKeyPEM, algorithm: chosen)
            self.init(key: key, publicKey: publicKey)
        } catch {
            throw KeyLoadError(problems: [.init(keyPath: keyPath, message: error.message)])
        }
    }

    init(key: AnySigningKey, publicKey: PublicJWK) {
        self.algorithm = key.algorithm
        self.key = key
        self.thumbprint = publicKey.thumbprint
        var header = JSONWriter()
        header.member("typ", string: "dpop+jwt")
        header.member("alg", string: key.algorithm.rawValue)
        header.member("jwk", object: publicKey.json)
        var encoded: [UInt8] = []
        Base64URL.encode(header.finish(), into: &encoded)
        encoded.append(UInt8(ascii: "."))
        self.encodedHeader = encoded
    }

    /// A proof for `method` on `url` (query and fragment are left out of `htu`), presented with
    /// `accessToken`, made at `issuedAt` with the unique `jti`.
    public func proof(
        method: String,
        url: String,
        accessToken: String,
        issuedAt: Int64,
        jti: String
    ) throws(JWTSigningError) -> String {
        var htu = Substring(url)
        if let cut = htu.firstIndex(where: { $0 == "?" || $0 == "#" }) { htu = htu[..<cut] }
        var claims = JSONWriter()
        claims.member("jti", string: jti)
        claims.member("htm", string: method)
        claims.member("htu", string: String(htu))
        claims.member("iat", integer: issuedAt)
        claims.member("ath", string: Array(accessToken.utf8).withUnsafeBytes { DPoPProofVerifier.tokenHash($0) })
        var proof = self.encodedHeader
        Base64URL.encode(claims.finish(), into: &proof)
        let signature: [UInt8]
        do {
            signature = try proof.withUnsafeBytes { try self.key.signature(for: $0) }
        } catch {
            throw JWTSigningError()
        }
        proof.append(UInt8(ascii: "."))
        Base64URL.encode(signature, into: &proof)
        return String(decoding: proof, as: UTF8.self)
    }

    /// 128 random bits, base64url: a fresh `jti` (RFC 9449 §11.1 asks for at least 96).
    public static func randomJTI() -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64URL.encode((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}
