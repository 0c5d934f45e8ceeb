/// base64 with the standard alphabet and `=` padding (RFC 4648 §4), as RFC 8941 §3.3.5 byte
/// sequences carry it: the `Signature` values of RFC 9421 and the digests of RFC 9530.
///
/// Written by hand for the same reason as `Base64URL`: no `String`/`Data` round trip on the
/// request path. Decoding follows RFC 8941 §4.2.7's advice to parsers — missing padding and
/// non-zero trailing bits are accepted — but any character outside the alphabet fails.
public enum Base64 {
    private static let alphabet: [UInt8] = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8
    )

    /// 0–63 for the alphabet, 0xFF for anything else.
    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    /// Decodes `input`, or returns nil when it is not base64. Public for HTTP Basic credentials
    /// (RFC 7617 §2), which the token endpoint reads.
    public static func decode(_ input: some StringProtocol) -> [UInt8]? {
        let result = input.utf8.withContiguousStorageIfAvailable { Self.decode(UnsafeRawBufferPointer($0)) }
        return result ?? Array(input.utf8).withUnsafeBytes { Self.decode($0) }
    }

    static func decode(_ input: UnsafeRawBufferPointer) -> [UInt8]? {
        var end = input.count
        // At most two `=`, and only at the end of a whole quantum.
        if end > 0, input[end - 1] == UInt8(ascii: "=") {
            guard end % 4 == 0 else { return nil }
            end -= 1
            if input[end - 1] == UInt8(ascii: "=") { end -= 1 }
        }
        if end % 4 == 1 { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(end / 4 * 3 + 2)
        var ok = true
        Self.decodeTable.withUnsafeBufferPointer { table in
            var word: UInt32 = 0
            var bits = 0
            for index in 0..<end {
                let value = table[Int(input[index])]
                if value == 0xFF {
                    ok = false
                    return
                }
                word = word << 6 | UInt32(value)
                bits += 6
                if bits >= 8 {
                    bits -= 8
                    output.append(UInt8(truncatingIfNeeded: word >> UInt32(bits)))
                }
            }
        }
        return ok ? output : nil
    }

    /// The padded base64 encoding of `bytes`.
    static func encode(_ bytes: some Collection<UInt8>) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var iterator = bytes.makeIterator()
        while let first = iterator.next() {
            let second = iterator.next()
            let third = second == nil ? nil : iterator.next()
            let word = UInt32(first) << 16 | UInt32(second ?? 0) << 8 | UInt32(third ?? 0)
            output.append(Self.alphabet[Int(word >> 18 & 63)])
            output.append(Self.alphabet[Int(word >> 12 & 63)])
            output.append(second == nil ? UInt8(ascii: "=") : Self.alphabet[Int(word >> 6 & 63)])
            output.append(third == nil ? UInt8(ascii: "=") : Self.alphabet[Int(word & 63)])
        }
        return String(decoding: output, as: UTF8.self)
    }
}
