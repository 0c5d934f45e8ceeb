import Crypto
import GatewayRules

/// EdDSA with Ed25519 (RFC 8037 §3.1; the signature is the 64-byte RFC 8032 signature). Ed448
/// is not supported: swift-crypto has no Ed448.
struct EdDSAPublicVerificationKey: JWSVerificationKey {
    let key: Curve25519.Signing.PublicKey
    var algorithm: JWTAlgorithm { .eddsa }

    func isValidSignature(_ signature: UnsafeRawBufferPointer, for signingInput: UnsafeRawBufferPointer) -> Bool {
        guard signature.count == 64 else { return false }
        return self.key.isValidSignature(signature, for: signingInput)
    }
}

struct EdDSASigningKey: JWSSigningKey {
    let key: Curve25519.Signing.PrivateKey
    var algorithm: JWTAlgorithm { .eddsa }

    func signature(for signingInput: UnsafeRawBufferPointer) throws -> [UInt8] {
        Array(try self.key.signature(for: signingInput))
    }
}
