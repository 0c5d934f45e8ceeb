/// Byte classes used by the hand-written parsers of this module (the rules file is mostly ASCII).
enum ASCII {
    /// `0`–`9` as a number, else nil.
    static func digitValue(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }

    static func isLetter(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
    }

    static func isDigit(_ byte: UInt8) -> Bool {
        digitValue(byte) != nil
    }

    /// Parses a non-empty run of decimal digits, nil when empty, not all digits, or above `limit`.
    static func decimal(_ bytes: some Collection<UInt8>, limit: Int = Int.max) -> Int? {
        guard !bytes.isEmpty else { return nil }
        var value = 0
        for byte in bytes {
            guard let digit = digitValue(byte) else { return nil }
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, sumOverflow) = shifted.addingReportingOverflow(digit)
            guard !overflow, !sumOverflow, sum <= limit else { return nil }
            value = sum
        }
        return value
    }

    /// RFC 9110 §5.6.2 `tchar`: the characters of a token such as a method name.
    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        if isLetter(byte) || isDigit(byte) { return true }
        return "!#$%&'*+-.^_`|~".utf8.contains(byte)
    }
}
