/// The pieces of RFC 8785 (JSON Canonicalization Scheme, JCS) that audit records need, written
/// by hand straight into a byte buffer: no `JSONEncoder` (its output is neither sorted by UTF-16
/// code units nor escaped as JCS requires) and no intermediate `String`s.
///
/// Both the record encoder (hot path) and the verifier's re-encoder use these functions, so a
/// line the writer produced and the verifier's canonical form of it agree byte for byte.
package enum CanonicalJSON {
    /// The largest integer every I-JSON implementation holds exactly (RFC 7493 §2.2): 2^53 − 1.
    /// JCS (RFC 8785 §3.2.2.3) serialises numbers as ECMAScript does for IEEE 754 doubles, which
    /// equals plain decimal only inside this range, so integers are clamped to it.
    static let maxSafeInteger: Int64 = 9_007_199_254_740_991

    private static let hexDigits: StaticString = "0123456789abcdef"

    /// Appends ASCII text that needs no escaping (member names, punctuation).
    @inline(__always)
    static func appendRaw<Output: JSONOutput>(_ text: StaticString, to buffer: inout Output) {
        text.withUTF8Buffer { buffer.append(contentsOf: $0) }
    }

    /// Appends `value` as a JCS number: plain decimal, `-` for negatives, no leading zeros
    /// (RFC 8785 §3.2.2.3 for integral doubles), clamped to the I-JSON safe range.
    static func appendInteger<Output: JSONOutput>(_ value: Int64, to buffer: inout Output) {
        let clamped = min(max(value, -Self.maxSafeInteger), Self.maxSafeInteger)
        if clamped < 0 {
            buffer.append(UInt8(ascii: "-"))
            Self.appendDecimal(UInt64(-clamped), to: &buffer)
        } else {
            Self.appendDecimal(UInt64(clamped), to: &buffer)
        }
    }

    /// Appends an unsigned integer, clamped like `appendInteger`.
    static func appendInteger<Output: JSONOutput>(_ value: UInt64, to buffer: inout Output) {
        Self.appendDecimal(min(value, UInt64(Self.maxSafeInteger)), to: &buffer)
    }

    private static func appendDecimal<Output: JSONOutput>(_ value: UInt64, to buffer: inout Output) {
        // At most 16 digits after clamping; written right to left on the stack.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { digits in
            var start = 24
            var rest = value
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            } while rest > 0
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }

    /// Appends `string` as a JCS string (RFC 8785 §3.2.2.2, which is ECMAScript's
    /// `JSON.stringify`): `"` and `\` escaped, `\b \f \n \r \t` for those controls, every other
    /// U+0000–U+001F as `\u00xx` with lowercase hex, everything else (U+007F and all non-ASCII
    /// included) as literal UTF-8. Swift strings hold no lone surrogates, so none can appear.
    package static func appendString<Output: JSONOutput>(_ string: String, to buffer: inout Output) {
        buffer.append(UInt8(ascii: "\""))
        let done: Void? = string.utf8.withContiguousStorageIfAvailable { bytes in
            Self.appendEscaped(bytes, to: &buffer)
        }
        if done == nil {
            var copy = string
            copy.withUTF8 { Self.appendEscaped($0, to: &buffer) }
        }
        buffer.append(UInt8(ascii: "\""))
    }

    /// Appends the escaped form of UTF-8 `bytes`, copying unescaped runs in one go.
    static func appendEscaped<Output: JSONOutput>(_ bytes: UnsafeBufferPointer<UInt8>, to buffer: inout Output) {
        var runStart = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                index += 1
                continue
            }
            if runStart < index {
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
            }
            Self.appendEscape(for: byte, to: &buffer)
            index += 1
            runStart = index
        }
        if runStart < bytes.count {
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
        }
    }

    private static func appendEscape<Output: JSONOutput>(for byte: UInt8, to buffer: inout Output) {
        buffer.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""): buffer.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\"))
        case 0x08: buffer.append(UInt8(ascii: "b"))
        case 0x09: buffer.append(UInt8(ascii: "t"))
        case 0x0A: buffer.append(UInt8(ascii: "n"))
        case 0x0C: buffer.append(UInt8(ascii: "f"))
        case 0x0D: buffer.append(UInt8(ascii: "r"))
        default:
            Self.appendRaw("u00", to: &buffer)
            Self.hexDigits.withUTF8Buffer { hex in
                buffer.append(hex[Int(byte >> 4)])
                buffer.append(hex[Int(byte & 0x0F)])
            }
        }
    }

    /// Appends `bytes` as lowercase hex digits (no quotes).
    static func appendHex<Output: JSONOutput>(_ bytes: UnsafeRawBufferPointer, to buffer: inout Output) {
        Self.hexDigits.withUTF8Buffer { hex in
            for byte in bytes {
                buffer.append(hex[Int(byte >> 4)])
                buffer.append(hex[Int(byte & 0x0F)])
            }
        }
    }

    /// Orders member names as JCS requires (RFC 8785 §3.2.3): by their UTF-16 code units.
    ///
    /// Compares UTF-8 bytes, which order like code points, and corrects the one case where code
    /// point order and UTF-16 order differ: U+E000–U+FFFF (lead byte 0xEE or 0xEF) against
    /// U+10000 and above (lead byte 0xF0–0xF4, a surrogate pair 0xD800–0xDFFF in UTF-16, which
    /// sorts first). The first differing bytes are lead bytes whenever that case applies, since
    /// continuation bytes (0x80–0xBF) only differ between characters of the same length.
    static func precedes(_ lhs: String, _ rhs: String) -> Bool {
        var left = lhs.utf8.makeIterator()
        var right = rhs.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return false
            case (nil, _): return true
            case (_, nil): return false
            case (let a?, let b?) where a != b:
                if a >= 0xF0 && (b == 0xEE || b == 0xEF) { return true }
                if b >= 0xF0 && (a == 0xEE || a == 0xEF) { return false }
                return a < b
            default: continue
            }
        }
    }
}
