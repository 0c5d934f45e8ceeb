import Crypto
import GatewayRules
import _CryptoExtras

/// Keys from PEM text (RFC 7468): public keys for `public_key_file`, private keys for
/// `private_key_file` and `gateway token mint`.
enum PEMKeys {
    /// The label of the first PEM block (`PUBLIC KEY`, `RSA PRIVATE KEY`, …).
    static func label(of pem: String) -> Substring? {
        guard let begin = pem.firstRange(of: "-----BEGIN ") else { return nil }
        let rest = pem[begin.upperBound...]
        guard let end = rest.firstRange(of: "-----") else { return nil }
        return rest[..<end.lowerBound]
    }

    /// A public key for `algorithm`: SPKI (`PUBLIC KEY`) for every family, and PKCS#1
    /// (`RSA PUBLIC KEY`) for RSA.
    static func verificationKey(pem: String, algorithm: JWTAlgorithm) throws(KeyProblem) -> AnyVerificationKey {
        guard let label = Self.label(of: pem) else { throw KeyProblem("not a PEM file") }
        if label.hasSuffix("PRIVATE KEY") {
            throw KeyProblem(
                "holds a private key; public_key_file takes the public key (private_key_file is for signing)"
            )
        }
        if label == "CERTIFICATE" {
            throw KeyProblem("holds a certificate; give the public key (openssl x509 -pubkey -noout)")
        }
        switch algorithm {
        case .hs256, .hs384, .hs512:
            throw KeyProblem("\(algorithm.rawValue) keys are secrets: use secret_env or secret_file")
        case .rs256, .rs384, .rs512, .ps256, .ps384, .ps512:
            guard label == "PUBLIC KEY" || label == "RSA PUBLIC KEY" else {
                throw KeyProblem("PEM block \(label) is not a public key")
            }
            let key: _RSA.Signing.PublicKey
            do {
                key = try _RSA.Signing.PublicKey(unsafePEMRepresentation: pem)
            } catch {
                throw KeyProblem("not an RSA public key (\(algorithm.rawValue) needs one)")
            }
            try Self.checkRSASize(key.keySizeInBits)
            return .rsa(RSAPublicVerificationKey(key: key, algorithm: algorithm)!)
        case .es256:
            guard label == "PUBLIC KEY" else { throw KeyProblem("PEM block \(label) is not a public key") }
            guard let key = try? P256.Signing.PublicKey(pemRepresentation: pem) else {
                throw KeyProblem("not a P-256 public key (ES256 needs one)")
            }
            return .ecdsa(ECDSAPublicVerificationKey(key: .p256(key), algorithm: algorithm)!)
        case .es384:
            guard label == "PUBLIC KEY" else { throw KeyProblem("PEM block \(label) is not a public key") }
            guard let key = try? P384.Signing.PublicKey(pemRepresentation: pem) else {
                throw KeyProblem("not a P-384 public key (ES384 needs one)")
            }
            return .ecdsa(ECDSAPublicVerificationKey(key: .p384(key), algorithm: algorithm)!)
        case .eddsa:
            guard label == "PUBLIC KEY" else { throw KeyProblem("PEM block \(label) is not a public key") }
            guard let key = try? Curve25519.Signing.PublicKey(pemRepresentation: pem) else {
                throw KeyProblem("not an Ed25519 public key (EdDSA needs one)")
            }
            return .eddsa(EdDSAPublicVerificationKey(key: key))
        }
    }

    /// A private key for `algorithm`: PKCS#8 (`PRIVATE KEY`) for every family, SEC 1
    /// (`EC PRIVATE KEY`) for ECDSA and PKCS#1 (`RSA PRIVATE KEY`) for RSA. Encrypted keys are
    /// not supported.
    static func signingKey(pem: String, algorithm: JWTAlgorithm) throws(KeyProblem) -> AnySigningKey {
        guard let label = Self.label(of: pem) else { throw KeyProblem("not a PEM file") }
        guard label.hasSuffix("PRIVATE KEY") else { throw KeyProblem("PEM block \(label) is not a private key") }
        if label.hasPrefix("ENCRYPTED") { throw KeyProblem("encrypted private keys are not supported") }
        switch algorithm {
        case .hs256, .hs384, .hs512:
            throw KeyProblem("\(algorithm.rawValue) keys are secrets, not PEM keys")
        case .rs256, .rs384, .rs512, .ps256, .ps384, .ps512:
            guard label == "PRIVATE KEY" || label == "RSA PRIVATE KEY" else {
                throw KeyProblem("not an RSA private key (\(algorithm.rawValue) needs one)")
            }
            let key: _RSA.Signing.PrivateKey
            do {
                key = try _RSA.Signing.PrivateKey(unsafePEMRepresentation: pem)
            } catch {
                throw KeyProblem("not an RSA private key (\(algorithm.rawValue) needs one)")
            }
            try Self.checkRSASize(key.keySizeInBits)
            return .rsa(RSASigningKey(key: key, algorithm: algorithm)!)
        case .es256:
            guard label == "PRIVATE KEY" || label == "EC PRIVATE KEY",
                let key = try? P256.Signing.PrivateKey(pemRepresentation: pem)
            else { throw KeyProblem("not a P-256 private key (ES256 needs one)") }
            return .ecdsa(ECDSASigningKey(key: .p256(key), algorithm: algorithm)!)
        case .es384:
            guard label == "PRIVATE KEY" || label == "EC PRIVATE KEY",
                let key = try? P384.Signing.PrivateKey(pemRepresentation: pem)
            else { throw KeyProblem("not a P-384 private key (ES384 needs one)") }
            return .ecdsa(ECDSASigningKey(key: .p384(key), algorithm: algorithm)!)
        case .eddsa:
            guard label == "PRIVATE KEY", let key = try? Curve25519.Signing.PrivateKey(pemRepresentation: pem) else {
                throw KeyProblem("not an Ed25519 private key (EdDSA needs one)")
            }
            return .eddsa(EdDSASigningKey(key: key))
        }
    }

    /// RFC 7518 §3.3 / §3.5: RSA keys of 2048 bits or more.
    static func checkRSASize(_ bits: Int) throws(KeyProblem) {
        guard bits >= RSAParameters.minimumBits else {
            throw KeyProblem("RSA key is \(bits) bits; at least \(RSAParameters.minimumBits) are required")
        }
    }
}

/// A signing key of any family.
enum AnySigningKey: Sendable {
    case hmac(HMACSharedKey)
    case rsa(RSASigningKey)
    case ecdsa(ECDSASigningKey)
    case eddsa(EdDSASigningKey)

    var algorithm: JWTAlgorithm {
        switch self {
        case .hmac(let key): return key.algorithm
        case .rsa(let key): return key.algorithm
        case .ecdsa(let key): return key.algorithm
        case .eddsa(let key): return key.algorithm
        }
    }

    func signature(for signingInput: UnsafeRawBufferPointer) throws -> [UInt8] {
        switch self {
        case .hmac(let key): return key.signature(for: signingInput)
        case .rsa(let key): return try key.signature(for: signingInput)
        case .ecdsa(let key): return try key.signature(for: signingInput)
        case .eddsa(let key): return try key.signature(for: signingInput)
        }
    }
}
