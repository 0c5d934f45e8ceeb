/// Byte classes of RFC 3986 §2 and small ASCII helpers, used on UTF-8 bytes so that nothing here needs Foundation.
enum ASCII {
    static let slash = UInt8(ascii: "/")
    static let backslash = UInt8(ascii: "\\")
    static let percent = UInt8(ascii: "%")
    static let dot = UInt8(ascii: ".")
    static let colon = UInt8(ascii: ":")
    static let hyphen = UInt8(ascii: "-")
    static let underscore = UInt8(ascii: "_")
    static let asterisk = UInt8(ascii: "*")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")

    /// `ALPHA` (RFC 5234 appendix B.1).
    @inline(__always)
    static func isAlpha(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
    }

    /// `DIGIT` (RFC 5234 appendix B.1).
    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// `unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~"` (RFC 3986 §2.3).
    @inline(__always)
    static func isUnreserved(_ byte: UInt8) -> Bool {
        // Bit n of the two words: whether byte n (below 128) is unreserved. One test per byte on the hot path.
        isInSet(byte, low: 0x03FF_6000_0000_0000, high: 0x47FF_FFFE_87FF_FFFE)
    }

    /// A byte that may stand for itself in a path segment: `pchar` less `pct-encoded` (RFC 3986 §3.3), that is
    /// `unreserved / sub-delims / ":" / "@"`, where `sub-delims = "!" / "$" / "&" / "'" / "(" / ")" / "*" / "+" /
    /// "," / ";" / "="` (RFC 3986 §2.2).
    @inline(__always)
    static func isLiteralPathCharacter(_ byte: UInt8) -> Bool {
        isInSet(byte, low: 0x2FFF_7FD2_0000_0000, high: 0x47FF_FFFE_87FF_FFFF)
    }

    /// Whether bit `byte` is set in the 128-bit set `high:low`; bytes from 128 up are in no set.
    @inline(__always)
    private static func isInSet(_ byte: UInt8, low: UInt64, high: UInt64) -> Bool {
        if byte < 64 {
            return low & (1 << UInt64(byte)) != 0
        }
        if byte < 128 {
            return high & (1 << UInt64(byte - 64)) != 0
        }
        return false
    }

    /// The value of a `HEXDIG` (RFC 5234 appendix B.1, either case), or nil.
    @inline(__always)
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"):
            byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"):
            byte - UInt8(ascii: "a") + 10
        default:
            nil
        }
    }

    /// The uppercase hexadecimal digit for a value below 16 (RFC 3986 §6.2.2.1 prefers uppercase).
    @inline(__always)
    static func upperHexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "A") + nibble - 10
    }

    @inline(__always)
    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    @inline(__always)
    static func uppercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") ? byte & ~0x20 : byte
    }

    /// `string` with its ASCII letters uppercased; other bytes untouched.
    static func uppercased(_ string: String) -> String {
        if !string.utf8.contains(where: { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }) {
            return string
        }
        return String(decoding: string.utf8.map { uppercased($0) }, as: UTF8.self)
    }

    /// `text` with its ASCII letters lowercased; other bytes untouched.
    static func lowercased(_ text: Substring) -> String {
        if !text.utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) {
            return String(text)
        }
        return String(decoding: text.utf8.map { lowercased($0) }, as: UTF8.self)
    }
}
