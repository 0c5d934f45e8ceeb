import Crypto
import GatewayRules

/// HS256 / HS384 / HS512: HMAC with SHA-2 (RFC 7518 §3.2). Signs and verifies.
///
/// The keyed inner and outer hash states are computed once, at load time: swift-crypto's
/// `HMAC(key:)` pads the key and builds two arrays on every call, which is most of the cost of a
/// one-shot `HMAC.isValidAuthenticationCode`. Verifying copies the keyed states instead.
struct HMACSharedKey: JWSVerificationKey, JWSSigningKey {
    /// SPEC §2: HMAC secrets shorter than 32 bytes are errors (256 bits, RFC 7518 §3.2's floor
    /// for HS256).
    static let minimumSecretBytes = 32

    private enum Keyed: Sendable {
        case sha256(HMAC<SHA256>)
        case sha384(HMAC<SHA384>)
        case sha512(HMAC<SHA512>)
    }

    let algorithm: JWTAlgorithm
    private let keyed: Keyed

    /// Nil when `algorithm` is not an HS algorithm.
    init?(secret: [UInt8], algorithm: JWTAlgorithm) {
        let key = SymmetricKey(data: secret)
        switch algorithm {
        case .hs256: self.keyed = .sha256(HMAC<SHA256>(key: key))
        case .hs384: self.keyed = .sha384(HMAC<SHA384>(key: key))
        case .hs512: self.keyed = .sha512(HMAC<SHA512>(key: key))
        default: return nil
        }
        self.algorithm = algorithm
    }

    func isValidSignature(_ signature: UnsafeRawBufferPointer, for signingInput: UnsafeRawBufferPointer) -> Bool {
        switch self.keyed {
        case .sha256(let hmac): return Self.check(hmac, signature, signingInput)
        case .sha384(let hmac): return Self.check(hmac, signature, signingInput)
        case .sha512(let hmac): return Self.check(hmac, signature, signingInput)
        }
    }

    func signature(for signingInput: UnsafeRawBufferPointer) -> [UInt8] {
        switch self.keyed {
        case .sha256(let hmac): return Self.mac(hmac, signingInput)
        case .sha384(let hmac): return Self.mac(hmac, signingInput)
        case .sha512(let hmac): return Self.mac(hmac, signingInput)
        }
    }

    @inline(__always)
    private static func check<H: HashFunction>(
        _ keyed: HMAC<H>,
        _ signature: UnsafeRawBufferPointer,
        _ signingInput: UnsafeRawBufferPointer
    ) -> Bool {
        guard signature.count == H.Digest.byteCount else { return false }
        var hmac = keyed
        hmac.update(data: signingInput)
        // RFC 7518 §3.2: compared in constant time.
        return hmac.finalize().withUnsafeBytes { ConstantTime.equal($0, signature) }
    }

    private static func mac<H: HashFunction>(_ keyed: HMAC<H>, _ signingInput: UnsafeRawBufferPointer) -> [UInt8] {
        var hmac = keyed
        hmac.update(data: signingInput)
        return hmac.finalize().withUnsafeBytes { Array($0) }
    }
}
