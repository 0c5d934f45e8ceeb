import Crypto
import GatewayRules

/// ES256 (P-256, SHA-256) and ES384 (P-384, SHA-384): ECDSA with the signature as the raw
/// big-endian `R || S`, each as long as the curve order (RFC 7518 §3.4).
enum ECDSACurve: Sendable {
    case p256
    case p384

    init?(algorithm: JWTAlgorithm) {
        switch algorithm {
        case .es256: self = .p256
        case .es384: self = .p384
        default: return nil
        }
    }

    /// The JWK `crv` name (RFC 7518 §6.2.1.1).
    var jwkName: String {
        switch self {
        case .p256: return "P-256"
        case .p384: return "P-384"
        }
    }

    /// Bytes of one coordinate, and of R and of S.
    var coordinateBytes: Int {
        switch self {
        case .p256: return 32
        case .p384: return 48
        }
    }

    /// The order n of the base point, big-endian (SEC 2 §2.4.2, §2.5.1).
    var order: [UInt8] {
        switch self {
        case .p256: return ECDSACurve.p256Order
        case .p384: return ECDSACurve.p384Order
        }
    }

    private static let p256Order: [UInt8] = hexBytes(
        "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551"
    )
    private static let p384Order: [UInt8] = hexBytes(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973"
    )

    /// Whether `R || S` has the right length and 1 ≤ r, s ≤ n − 1 (SEC 1 §4.1.4 step 1).
    ///
    /// The check CVE-2022-21449 ("psychic signatures") skipped: with r = s = 0 the verification
    /// equation holds for every message and key. BoringSSL checks the range too; checking here as
    /// well keeps the rule visible and independent of the backend.
    func isInRange(_ signature: UnsafeRawBufferPointer) -> Bool {
        let size = self.coordinateBytes
        guard signature.count == 2 * size else { return false }
        return self.order.withUnsafeBytes { order in
            Self.isScalarInRange(UnsafeRawBufferPointer(rebasing: signature[0..<size]), order: order)
                && Self.isScalarInRange(UnsafeRawBufferPointer(rebasing: signature[size..<2 * size]), order: order)
        }
    }

    /// 0 < value < order, both big-endian and of equal length. Not secret: no constant time needed.
    private static func isScalarInRange(_ value: UnsafeRawBufferPointer, order: UnsafeRawBufferPointer) -> Bool {
        var nonZero = false
        var decided = false
        var less = false
        for index in 0..<value.count {
            let byte = value[index]
            if byte != 0 { nonZero = true }
            if !decided, byte != order[index] {
                decided = true
                less = byte < order[index]
            }
        }
        return nonZero && less
    }
}

/// An EC public key on P-256 or P-384, pinned to ES256 or ES384.
struct ECDSAPublicVerificationKey: JWSVerificationKey {
    enum Key: Sendable {
        case p256(P256.Signing.PublicKey)
        case p384(P384.Signing.PublicKey)
    }

    let algorithm: JWTAlgorithm
    let key: Key
    let curve: ECDSACurve

    /// Nil when the key's curve is not the one `algorithm` names (RFC 7518 §3.4).
    init?(key: Key, algorithm: JWTAlgorithm) {
        switch (key, algorithm) {
        case (.p256, .es256): self.curve = .p256
        case (.p384, .es384): self.curve = .p384
        default: return nil
        }
        self.key = key
        self.algorithm = algorithm
    }

    func isValidSignature(_ signature: UnsafeRawBufferPointer, for signingInput: UnsafeRawBufferPointer) -> Bool {
        guard self.curve.isInRange(signature) else { return false }
        switch self.key {
        case .p256(let key):
            guard let ecdsa = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(ecdsa, for: SHA256.hash(data: signingInput))
        case .p384(let key):
            guard let ecdsa = try? P384.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(ecdsa, for: SHA384.hash(data: signingInput))
        }
    }
}

/// An EC private key on P-256 or P-384, pinned to ES256 or ES384.
struct ECDSASigningKey: JWSSigningKey {
    enum Key: Sendable {
        case p256(P256.Signing.PrivateKey)
        case p384(P384.Signing.PrivateKey)
    }

    let algorithm: JWTAlgorithm
    let key: Key

    init?(key: Key, algorithm: JWTAlgorithm) {
        switch (key, algorithm) {
        case (.p256, .es256), (.p384, .es384): break
        default: return nil
        }
        self.key = key
        self.algorithm = algorithm
    }

    func signature(for signingInput: UnsafeRawBufferPointer) throws -> [UInt8] {
        switch self.key {
        case .p256(let key):
            return try key.signature(for: SHA256.hash(data: signingInput)).withUnsafeBytes { Array($0) }
        case .p384(let key):
            return try key.signature(for: SHA384.hash(data: signingInput)).withUnsafeBytes { Array($0) }
        }
    }
}

/// Bytes of a hexadecimal literal (load-time constants only).
func hexBytes(_ hex: String) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(hex.utf8.count / 2)
    var high: UInt8? = nil
    for char in hex.utf8 {
        let nibble: UInt8
        switch char {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = char - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = char - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = char - UInt8(ascii: "A") + 10
        default: continue
        }
        if let value = high {
            bytes.append(value << 4 | nibble)
            high = nil
        } else {
            high = nibble
        }
    }
    return bytes
}
