/// One hexadecimal digit's value: what every percent-decoder and hex reader of the project
/// shares (the rules file's hashes and addresses, request paths, DPoP `htu`, signature
/// components, form bodies).
package enum HexDigit {
    /// `0`–`9`, `a`–`f`, `A`–`F` as a number, else nil.
    @inline(__always)
    package static func value(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
