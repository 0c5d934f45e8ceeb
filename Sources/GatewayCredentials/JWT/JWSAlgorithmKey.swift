import GatewayRules

/// A key able to check one JWS algorithm's signatures (RFC 7515 §5.2 step 8).
///
/// The small internal protocol each algorithm family (`HMAC/`, `RSA/`, `ECDSA/`, `EdDSA/`)
/// implements, after vapor/jwt-kit's layout. A key is built for exactly one algorithm, so the
/// algorithm a token names can never change how its key is used (RFC 8725 §3.1).
protocol JWSVerificationKey: Sendable {
    /// The one algorithm this key verifies.
    var algorithm: JWTAlgorithm { get }

    /// Whether `signature` (the decoded third part) signs `signingInput`, the ASCII bytes of
    /// `BASE64URL(header) || '.' || BASE64URL(payload)` (RFC 7515 §5.2).
    func isValidSignature(_ signature: UnsafeRawBufferPointer, for signingInput: UnsafeRawBufferPointer) -> Bool
}

/// A key able to produce one JWS algorithm's signatures (RFC 7515 §5.1 step 5).
protocol JWSSigningKey: Sendable {
    var algorithm: JWTAlgorithm { get }

    func signature(for signingInput: UnsafeRawBufferPointer) throws -> [UInt8]
}

/// A verification key of any family, dispatched with a `switch` rather than an existential so
/// the request path makes no dynamic call.
enum AnyVerificationKey: Sendable {
    case hmac(HMACSharedKey)
    case rsa(RSAPublicVerificationKey)
    case ecdsa(ECDSAPublicVerificationKey)
    case eddsa(EdDSAPublicVerificationKey)

    var algorithm: JWTAlgorithm {
        switch self {
        case .hmac(let key): return key.algorithm
        case .rsa(let key): return key.algorithm
        case .ecdsa(let key): return key.algorithm
        case .eddsa(let key): return key.algorithm
        }
    }

    @inline(__always)
    func isValidSignature(_ signature: UnsafeRawBufferPointer, for signingInput: UnsafeRawBufferPointer) -> Bool {
        switch self {
        case .hmac(let key): return key.isValidSignature(signature, for: signingInput)
        case .rsa(let key): return key.isValidSignature(signature, for: signingInput)
        case .ecdsa(let key): return key.isValidSignature(signature, for: signingInput)
        case .eddsa(let key): return key.isValidSignature(signature, for: signingInput)
        }
    }
}
