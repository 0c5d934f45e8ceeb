import Crypto
import Foundation
import _CryptoExtras

/// A client key for DPoP tests, generated with swift-crypto, with its public JWK and signatures
/// made here — independently of the module's `PublicJWK` and `DPoPProofSigner`.
enum ProofKey {
    case p256(P256.Signing.PrivateKey)
    case p384(P384.Signing.PrivateKey)
    case ed25519(Curve25519.Signing.PrivateKey)
    case rsa(_RSA.Signing.PrivateKey, pss: Bool)

    /// One 2048-bit RSA key for every test (generating one takes a while).
    static let rsaKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

    var alg: String {
        switch self {
        case .p256: return "ES256"
        case .p384: return "ES384"
        case .ed25519: return "EdDSA"
        case .rsa(_, let pss): return pss ? "PS256" : "RS256"
        }
    }

    /// The public JWK's required members (RFC 7638 §3.2), sorted by name.
    var jwk: [(String, String)] {
        switch self {
        case .p256(let key):
            let point = Array(key.publicKey.x963Representation)
            return [("crv", "P-256"), ("kty", "EC"), ("x", b64url(Array(point[1...32]))), ("y", b64url(Array(point[33...])))]
        case .p384(let key):
            let point = Array(key.publicKey.x963Representation)
            return [("crv", "P-384"), ("kty", "EC"), ("x", b64url(Array(point[1...48]))), ("y", b64url(Array(point[49...])))]
        case .ed25519(let key):
            return [("crv", "Ed25519"), ("kty", "OKP"), ("x", b64url(Array(key.publicKey.rawRepresentation)))]
        case .rsa(let key, _):
            let primitives = try! key.publicKey.getKeyPrimitives()
            return [("e", b64url(Array(primitives.publicExponent))), ("kty", "RSA"), ("n", b64url(Array(primitives.modulus)))]
        }
    }

    /// The JWK as a JSON object text.
    var jwkJSON: String {
        "{" + self.jwk.map { "\"\($0.0)\":\"\($0.1)\"" }.joined(separator: ",") + "}"
    }

    /// RFC 7638: SHA-256 of the required members in order, no whitespace; base64url.
    var thumbprint: String {
        b64url(Array(SHA256.hash(data: Array(self.jwkJSON.utf8))))
    }

    func sign(_ input: [UInt8]) -> [UInt8] {
        switch self {
        case .p256(let key): return Array(try! key.signature(for: input).rawRepresentation)
        case .p384(let key): return Array(try! key.signature(for: input).rawRepresentation)
        case .ed25519(let key): return Array(try! key.signature(for: input))
        case .rsa(let key, let pss):
            let signature = try! key.signature(for: SHA256.hash(data: input), padding: pss ? .PSS : .insecurePKCS1v1_5)
            return Array(signature.rawRepresentation)
        }
    }

    var privatePEM: String {
        switch self {
        case .p256(let key): return key.pemRepresentation
        case .p384(let key): return key.pemRepresentation
        case .ed25519(let key): return key.pemRepresentation
        case .rsa(let key, _): return key.pemRepresentation
        }
    }

    var publicPEM: String {
        switch self {
        case .p256(let key): return key.publicKey.pemRepresentation
        case .p384(let key): return key.publicKey.pemRepresentation
        case .ed25519(let key): return key.publicKey.pemRepresentation
        case .rsa(let key, _): return key.publicKey.pemRepresentation
        }
    }
}

/// `base64url(SHA-256(token))`, the `ath` a proof for `token` carries.
func accessTokenHash(_ token: String) -> String {
    b64url(Array(SHA256.hash(data: Array(token.utf8))))
}

/// A compact JWS over the header and claims JSON texts, signed by `key` (or with `signature`).
func compactProof(header: String, claims: String, key: ProofKey, signature: [UInt8]? = nil) -> String {
    let input = b64url(header) + "." + b64url(claims)
    return input + "." + b64url(signature ?? key.sign(Array(input.utf8)))
}

/// A proof with the usual header and claims, any of which can be replaced or removed (nil).
func dpopProof(
    key: ProofKey,
    typ: String? = "dpop+jwt",
    alg: String? = nil,
    jwk: String? = nil,
    jti: String? = "proof-jti-0123456789",
    htm: String? = "GET",
    htu: String? = "https://api.example.com/orders/7",
    iat: Int64? = DPoPFixture.now,
    ath: String? = accessTokenHash(DPoPFixture.token),
    extraHeader: String = "",
    extraClaims: String = ""
) -> String {
    var header: [String] = []
    if let typ { header.append("\"typ\":\"\(typ)\"") }
    header.append("\"alg\":\"\(alg ?? key.alg)\"")
    if let jwk = jwk ?? Optional(key.jwkJSON), !jwk.isEmpty { header.append("\"jwk\":\(jwk)") }
    var claims: [String] = []
    if let jti { claims.append("\"jti\":\"\(jti)\"") }
    if let htm { claims.append("\"htm\":\"\(htm)\"") }
    if let htu { claims.append("\"htu\":\"\(htu)\"") }
    if let iat { claims.append("\"iat\":\(iat)") }
    if let ath { claims.append("\"ath\":\"\(ath)\"") }
    return compactProof(
        header: "{" + header.joined(separator: ",") + extraHeader + "}",
        claims: "{" + claims.joined(separator: ",") + extraClaims + "}",
        key: key
    )
}

/// The request, token and clock the DPoP tests share.
enum DPoPFixture {
    static let now: Int64 = 1_800_000_000
    static let token = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"
}
