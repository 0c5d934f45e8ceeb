import Crypto
import GatewayRules
import _CryptoExtras

/// RS256/384/512 (RSASSA-PKCS1-v1_5, RFC 7518 §3.3) and PS256/384/512 (RSASSA-PSS with MGF1 and
/// a salt as long as the hash, RFC 7518 §3.5), on `_CryptoExtras`.
enum RSAParameters {
    /// RFC 7518 §3.3: "A key of size 2048 bits or larger MUST be used with these algorithms."
    static let minimumBits = 2048

    static func padding(for algorithm: JWTAlgorithm) -> _RSA.Signing.Padding? {
        switch algorithm {
        // swift-crypto calls PKCS#1 v1.5 "insecure"; it is what RS* is defined as.
        case .rs256, .rs384, .rs512: return .insecurePKCS1v1_5
        case .ps256, .ps384, .ps512: return .PSS
        default: return nil
        }
    }
}

/// An RSA public key pinned to one RS or PS algorithm.
struct RSAPublicVerificationKey: JWSVerificationKey {
    let algorithm: JWTAlgorithm
    let key: _RSA.Signing.PublicKey
    private let padding: _RSA.Signing.Padding
    /// The modulus length in bytes, which every signature has.
    private let signatureBytes: Int

    /// Nil when `algorithm` is not RS* or PS*.
    init?(key: _RSA.Signing.PublicKey, algorithm: JWTAlgorithm) {
        guard let padding = RSAParameters.padding(for: algorithm) else { return nil }
        self.key = key
        self.algorithm = algorithm
        self.padding = padding
        self.signatureBytes = (key.keySizeInBits + 7) / 8
    }

    func isValidSignature(_ signature: UnsafeRawBufferPointer, for signingInput: UnsafeRawBufferPointer) -> Bool {
        // RFC 8017 §8.2.2 step 1: the signature is exactly as long as the modulus.
        guard signature.count == self.signatureBytes else { return false }
        let rsaSignature = _RSA.Signing.RSASignature(rawRepresentation: signature)
        switch self.algorithm {
        case .rs256, .ps256:
            return self.key.isValidSignature(rsaSignature, for: SHA256.hash(data: signingInput), padding: self.padding)
        case .rs384, .ps384:
            return self.key.isValidSignature(rsaSignature, for: SHA384.hash(data: signingInput), padding: self.padding)
        case .rs512, .ps512:
            return self.key.isValidSignature(rsaSignature, for: SHA512.hash(data: signingInput), padding: self.padding)
        default:
            return false
        }
    }
}

/// An RSA private key pinned to one RS or PS algorithm.
struct RSASigningKey: JWSSigningKey {
    let algorithm: JWTAlgorithm
    let key: _RSA.Signing.PrivateKey
    private let padding: _RSA.Signing.Padding

    init?(key: _RSA.Signing.PrivateKey, algorithm: JWTAlgorithm) {
        guard let padding = RSAParameters.padding(for: algorithm) else { return nil }
        self.key = key
        self.algorithm = algorithm
        self.padding = padding
    }

    func signature(for signingInput: UnsafeRawBufferPointer) throws -> [UInt8] {
        let signature: _RSA.Signing.RSASignature
        switch self.algorithm {
        case .rs256, .ps256:
            signature = try self.key.signature(for: SHA256.hash(data: signingInput), padding: self.padding)
        case .rs384, .ps384:
            signature = try self.key.signature(for: SHA384.hash(data: signingInput), padding: self.padding)
        default:
            signature = try self.key.signature(for: SHA512.hash(data: signingInput), padding: self.padding)
        }
        return signature.withUnsafeBytes { Array($0) }
    }
}
