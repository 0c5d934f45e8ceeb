/// Comparisons whose running time does not depend on where two byte strings differ.
///
/// Used for HMAC tags (RFC 7518 §3.2: "the comparison of the computed HMAC value to the JWS
/// Signature value MUST be done in a constant-time manner") and API key hashes. Lengths are not
/// secret and are compared first.
enum ConstantTime {
    static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<a.count { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.withUnsafeBytes { a in b.withUnsafeBytes { b in Self.equal(a, b) } }
    }
}
