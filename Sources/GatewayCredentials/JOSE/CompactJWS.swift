/// The three parts of a JWS Compact Serialization, `header.payload.signature` (RFC 7515 §7.1),
/// found by one pass over the token's bytes: no `String` splitting, no copies.
struct CompactJWS {
    var header: Range<Int>
    var payload: Range<Int>
    var signature: Range<Int>

    /// `BASE64URL(header) || '.' || BASE64URL(payload)`: the bytes the signature covers.
    var signingInput: Range<Int> { self.header.lowerBound..<self.payload.upperBound }

    /// Nil unless `token` is exactly three parts separated by two dots, every other byte from
    /// the base64url alphabet (so no whitespace, padding or JWE's five parts).
    static func split(_ token: UnsafeRawBufferPointer) -> CompactJWS? {
        var firstDot = -1
        var secondDot = -1
        for index in 0..<token.count {
            let byte = token[index]
            if byte == UInt8(ascii: ".") {
                if firstDot < 0 {
                    firstDot = index
                } else if secondDot < 0 {
                    secondDot = index
                } else {
                    return nil
                }
            } else if !Base64URL.isAlphabet(byte) {
                return nil
            }
        }
        guard secondDot > 0 else { return nil }
        return CompactJWS(
            header: 0..<firstDot,
            payload: firstDot + 1..<secondDot,
            signature: secondDot + 1..<token.count
        )
    }
}
