import Crypto
import Foundation
import JWTKit
import _CryptoExtras

/// Keys generated at test time and tokens signed by vapor/jwt-kit: a signer written by other
/// people, so a verifier bug cannot be hidden by the same bug in our own signer.
///
/// Only this file imports JWTKit (its `JWK`, `JWTAlgorithm`, `HMACKey` would clash with ours).
struct IndependentSigner: Sendable {
    /// The JWS `alg` name, `"ES256"`.
    let algorithm: String
    let kid: String
    /// What the gateway loads: a public key PEM (SPKI), or nil for HMAC.
    let publicKeyPEM: String?
    /// The HMAC secret, or nil.
    let secret: [UInt8]?
    /// A private key PEM (PKCS#8), for JWTSigner tests; nil for HMAC.
    let privateKeyPEM: String?
    private let keys: JWTKeyCollection

    /// One RSA key for all RS/PS tests: generating 2048-bit keys is slow.
    static let rsaKey: _RSA.Signing.PrivateKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

    static let allAlgorithms = [
        "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA",
    ]

    static func make(algorithm: String, kid: String) async throws -> IndependentSigner {
        let keys = JWTKeyCollection()
        var publicKeyPEM: String? = nil
        var privateKeyPEM: String? = nil
        var secret: [UInt8]? = nil
        let identifier = JWKIdentifier(string: kid)
        switch algorithm {
        case "HS256", "HS384", "HS512":
            let bytes = (0..<64).map { _ in UInt8.random(in: 0...255) }
            secret = bytes
            let digest: DigestAlgorithm = algorithm == "HS256" ? .sha256 : algorithm == "HS384" ? .sha384 : .sha512
            await keys.add(hmac: HMACKey(from: Data(bytes)), digestAlgorithm: digest, kid: identifier)
        case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
            let key = try Insecure.RSA.PrivateKey(backing: Self.rsaKey)
            publicKeyPEM = Self.rsaKey.publicKey.pemRepresentation
            privateKeyPEM = Self.rsaKey.pkcs8PEMRepresentation
            let digest: DigestAlgorithm =
                algorithm.hasSuffix("256") ? .sha256 : algorithm.hasSuffix("384") ? .sha384 : .sha512
            if algorithm.hasPrefix("RS") {
                await keys.add(rsa: key, digestAlgorithm: digest, kid: identifier)
            } else {
                await keys.add(pss: key, digestAlgorithm: digest, kid: identifier)
            }
        case "ES256":
            let key = P256.Signing.PrivateKey()
            publicKeyPEM = key.publicKey.pemRepresentation
            privateKeyPEM = key.pemRepresentation
            await keys.add(ecdsa: try ES256PrivateKey(backing: key), kid: identifier)
        case "ES384":
            let key = P384.Signing.PrivateKey()
            publicKeyPEM = key.publicKey.pemRepresentation
            privateKeyPEM = key.pemRepresentation
            await keys.add(ecdsa: try ES384PrivateKey(backing: key), kid: identifier)
        case "EdDSA":
            let key = Curve25519.Signing.PrivateKey()
            publicKeyPEM = key.publicKey.pemRepresentation
            privateKeyPEM = key.pemRepresentation
            await keys.add(eddsa: EdDSA.PrivateKey(backing: key), kid: identifier)
        default:
            fatalError("no such algorithm \(algorithm)")
        }
        return IndependentSigner(
            algorithm: algorithm,
            kid: kid,
            publicKeyPEM: publicKeyPEM,
            secret: secret,
            privateKeyPEM: privateKeyPEM,
            keys: keys
        )
    }

    /// A token signed by jwt-kit with header `kid`.
    func sign(_ claims: IndependentClaims) async throws -> String {
        try await self.keys.sign(claims, kid: JWKIdentifier(string: self.kid))
    }

    /// Whether jwt-kit accepts a token we signed.
    func verifies(_ token: String) async -> Bool {
        (try? await self.keys.verify(token, as: IndependentClaims.self)) != nil
    }
}

/// The claims jwt-kit signs in these tests.
struct IndependentClaims: JWTPayload, Equatable {
    var iss: IssuerClaim?
    var sub: SubjectClaim?
    var aud: AudienceClaim?
    var exp: ExpirationClaim?
    var iat: IssuedAtClaim?
    var jti: IDClaim?
    var scope: String?

    init(
        iss: String? = nil,
        sub: String? = nil,
        aud: [String]? = nil,
        exp: Double? = nil,
        iat: Double? = nil,
        jti: String? = nil,
        scope: String? = nil
    ) {
        self.iss = iss.map { IssuerClaim(value: $0) }
        self.sub = sub.map { SubjectClaim(value: $0) }
        self.aud = aud.map { AudienceClaim(value: $0) }
        self.exp = exp.map { ExpirationClaim(value: Date(timeIntervalSince1970: $0)) }
        self.iat = iat.map { IssuedAtClaim(value: Date(timeIntervalSince1970: $0)) }
        self.jti = jti.map { IDClaim(value: $0) }
        self.scope = scope
    }

    func verify(using algorithm: some JWTKit.JWTAlgorithm) async throws {}
}
