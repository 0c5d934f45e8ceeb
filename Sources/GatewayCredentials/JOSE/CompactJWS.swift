/// The three parts of a JWS Compact Serialization, `header.payload.signature` (RFC 7515 §7.1),
/// found by one pass over the token's bytes: no `String` splitting, no copies. Anything outside
/// the base64url alphabet (whitespace, padding, `+`, `/`) fails the decoding of its part.
struct CompactJWS {
    var header: Range<Int>
    var payload: Range<Int>
    var signature: Range<Int>

    /// `BASE64URL(header) || '.' || BASE64URL(payload)`: the bytes the signature covers.
    var signingInput: Range<Int> { self.header.lowerBound..<self.payload.upperBound }

    /// Nil unless `token` has exactly two dots. The characters of each part are checked by the
    /// base64url decoder, which every part goes through next.
    static func split(_ token: UnsafeRawBufferPointer) -> CompactJWS? {
        guard let base = token.baseAddress else { return nil }
        let bytes = base.assumingMemoryBound(to: UInt8.self)
        let count = token.count
        var firstDot = -1
        var secondDot = -1
        var index = 0
        while index < count {
            if bytes[index] == UInt8(ascii: ".") {
                if firstDot < 0 {
                    firstDot = index
                } else if secondDot < 0 {
                    secondDot = index
                } else {
                    return nil
                }
            }
            index += 1
        }
        guard secondDot > 0 else { return nil }
        return CompactJWS(
            header: 0..<firstDot,
            payload: firstDot + 1..<secondDot,
            signature: secondDot + 1..<count
        )
    }
}
