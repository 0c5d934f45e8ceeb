import Crypto
import GatewayRules
import _CryptoExtras

/// Keys for the four RFC 9421 §3.3 algorithms the gateway supports, from PEM text or a secret.
///
/// The cryptography is the JWS algorithm families' (`HMAC/`, `EdDSA/`, `ECDSA/`, `RSA/`): each
/// RFC 9421 algorithm is, byte for byte, one JWS algorithm —
/// - `hmac-sha256` (§3.3.3) is HS256: HMAC-SHA-256, the tag compared in constant time;
/// - `ed25519` (§3.3.6) is EdDSA over Ed25519, the 64-byte RFC 8032 signature;
/// - `ecdsa-p256-sha256` (§3.3.4) is ES256: P-256 and SHA-256, the signature `r || s` of 32
///   bytes each, range-checked (`ECDSACurve.isInRange`);
/// - `rsa-pss-sha512` (§3.3.1) is PS512: RSASSA-PSS, SHA-512, MGF1 with SHA-512, a 64-byte salt.
///
/// so the keys are those families' key types, pinned to that JWS algorithm. Loading follows
/// `PEMKeys` (SPKI public keys, PKCS#8 / SEC 1 / PKCS#1 private keys, RSA of at least 2048 bits)
/// with messages in RFC 9421's algorithm names.
enum SignatureKeys {
    /// The JWS algorithm with the same cryptography.
    static func jwsAlgorithm(_ algorithm: SignatureAlgorithm) -> JWTAlgorithm {
        switch algorithm {
        case .hmacSHA256: return .hs256
        case .ed25519: return .eddsa
        case .ecdsaP256SHA256: return .es256
        case .rsaPSSSHA512: return .ps512
        }
    }

    /// An HMAC key from a secret of at least 32 bytes (SPEC §2).
    static func hmacKey(_ secret: [UInt8]) throws(KeyProblem) -> HMACSharedKey {
        guard secret.count >= HMACSharedKey.minimumSecretBytes else {
            throw KeyProblem(
                "the secret is \(secret.count) bytes; HMAC secrets need at least \(HMACSharedKey.minimumSecretBytes) (256 bits)"
            )
        }
        return HMACSharedKey(secret: secret, algorithm: .hs256)!
    }

    /// A public key (SPKI, `PUBLIC KEY`; for RSA also PKCS#1 `RSA PUBLIC KEY`) for `algorithm`.
    static func verificationKey(pem: String, algorithm: SignatureAlgorithm) throws(KeyProblem) -> AnyVerificationKey {
        guard let label = PEMKeys.label(of: pem) else { throw KeyProblem("not a PEM file") }
        if label.hasSuffix("PRIVATE KEY") {
            throw KeyProblem("holds a private key; public_key_file takes the public key")
        }
        if label == "CERTIFICATE" {
            throw KeyProblem("holds a certificate; give the public key (openssl x509 -pubkey -noout)")
        }
        switch algorithm {
        case .hmacSHA256:
            throw KeyProblem("hmac-sha256 keys are secrets: use secret_env or secret_file")
        case .ed25519:
            guard label == "PUBLIC KEY", let key = try? Curve25519.Signing.PublicKey(pemRepresentation: pem) else {
                throw KeyProblem("not an Ed25519 public key (ed25519 needs one)")
            }
            return .eddsa(EdDSAPublicVerificationKey(key: key))
        case .ecdsaP256SHA256:
            guard label == "PUBLIC KEY", let key = try? P256.Signing.PublicKey(pemRepresentation: pem) else {
                throw KeyProblem("not a P-256 public key (ecdsa-p256-sha256 needs one)")
            }
            return .ecdsa(ECDSAPublicVerificationKey(key: .p256(key), algorithm: .es256)!)
        case .rsaPSSSHA512:
            guard label == "PUBLIC KEY" || label == "RSA PUBLIC KEY",
                let key = try? _RSA.Signing.PublicKey(unsafePEMRepresentation: pem)
            else {
                throw KeyProblem("not an RSA public key (rsa-pss-sha512 needs one)")
            }
            try PEMKeys.checkRSASize(key.keySizeInBits)
            return .rsa(RSAPublicVerificationKey(key: key, algorithm: .ps512)!)
        }
    }

    /// A private key and its algorithm: `algorithm` if given (the key must suit it), else the
    /// one the key's type implies — Ed25519 → `ed25519`, P-256 → `ecdsa-p256-sha256`,
    /// RSA → `rsa-pss-sha512`.
    static func signingKey(
        pem: String,
        algorithm: SignatureAlgorithm?
    ) throws(KeyProblem) -> (AnySigningKey, SignatureAlgorithm) {
        guard let label = PEMKeys.label(of: pem) else { throw KeyProblem("not a PEM file") }
        guard label.hasSuffix("PRIVATE KEY") else { throw KeyProblem("PEM block \(label) is not a private key") }
        if label.hasPrefix("ENCRYPTED") { throw KeyProblem("encrypted private keys are not supported") }
        let candidates: [SignatureAlgorithm] =
            algorithm.map { [$0] }
            ?? {
                switch label {
                case "EC PRIVATE KEY": return [.ecdsaP256SHA256]
                case "RSA PRIVATE KEY": return [.rsaPSSSHA512]
                default: return [.ed25519, .ecdsaP256SHA256, .rsaPSSSHA512]
                }
            }()
        for candidate in candidates {
            switch candidate {
            case .hmacSHA256:
                throw KeyProblem("hmac-sha256 keys are secrets, not PEM keys")
            case .ed25519:
                if label == "PRIVATE KEY", let key = try? Curve25519.Signing.PrivateKey(pemRepresentation: pem) {
                    return (.eddsa(EdDSASigningKey(key: key)), .ed25519)
                }
            case .ecdsaP256SHA256:
                if label == "PRIVATE KEY" || label == "EC PRIVATE KEY",
                    let key = try? P256.Signing.PrivateKey(pemRepresentation: pem)
                {
                    return (.ecdsa(ECDSASigningKey(key: .p256(key), algorithm: .es256)!), .ecdsaP256SHA256)
                }
            case .rsaPSSSHA512:
                if label == "PRIVATE KEY" || label == "RSA PRIVATE KEY",
                    let key = try? _RSA.Signing.PrivateKey(unsafePEMRepresentation: pem)
                {
                    try PEMKeys.checkRSASize(key.keySizeInBits)
                    return (.rsa(RSASigningKey(key: key, algorithm: .ps512)!), .rsaPSSSHA512)
                }
            }
        }
        if let algorithm {
            throw KeyProblem("not a private key for \(algorithm.rawValue)")
        }
        throw KeyProblem("not an Ed25519, P-256 or RSA private key")
    }
}
