/// The host syntax the gateway accepts, shared by request hosts (``HostName``) and rules-file hosts
/// (``HostPattern``) so that the two always compare.
///
/// RFC 3986 §3.2.2 lets a `reg-name` hold sub-delimiters and percent-escapes, but no DNS name does (RFC 1123 §2.1,
/// RFC 1035 §2.3.4): a host is accepted when it is a name of letters, digits, `-` and `_` in non-empty labels of at
/// most 63 bytes, at most 253 bytes in all, or a bracketed IPv6 literal. Internationalised names arrive in their
/// ASCII (punycode) form (RFC 5890 §2.3.2.1).
enum HostSyntax {
    /// The longest name (RFC 1035 §2.3.4, less the final dot).
    static let maximumNameLength = 253

    /// The longest label (RFC 1035 §2.3.4).
    static let maximumLabelLength = 63

    /// Whether `name` (without port and without a trailing dot) is a host name: dot-separated, non-empty labels of
    /// `ALPHA / DIGIT / "-" / "_"`. IPv4 addresses (RFC 3986 §3.2.2 `IPv4address`) are names in this sense.
    static func isValidName<Bytes: Collection<UInt8>>(_ name: Bytes) -> Bool {
        guard !name.isEmpty, name.count <= maximumNameLength else {
            return false
        }
        var labelLength = 0
        for byte in name {
            if byte == ASCII.dot {
                guard labelLength > 0 else {
                    return false
                }
                labelLength = 0
                continue
            }
            guard ASCII.isAlpha(byte) || ASCII.isDigit(byte) || byte == ASCII.hyphen || byte == ASCII.underscore
            else {
                return false
            }
            labelLength += 1
            guard labelLength <= maximumLabelLength else {
                return false
            }
        }
        return labelLength > 0
    }

    /// Whether `literal` is an `IP-literal` holding an IPv6 address, brackets included (RFC 3986 §3.2.2): checked
    /// for its characters only (hex digits, `:`, `.` of an embedded IPv4 address), not for the address's structure.
    /// `IPvFuture` and zone identifiers (RFC 6874) are refused.
    static func isValidIPLiteral<Bytes: BidirectionalCollection<UInt8>>(_ literal: Bytes) -> Bool {
        // "[" + at most 45 characters (RFC 4291 §2.2 with an embedded IPv4 address) + "]".
        guard literal.count >= 4, literal.count <= 47, literal.first == ASCII.openBracket,
            literal.last == ASCII.closeBracket
        else {
            return false
        }
        let address = literal.dropFirst().dropLast()
        var sawColon = false
        for byte in address {
            if byte == ASCII.colon {
                sawColon = true
            } else if ASCII.hexValue(byte) == nil, byte != ASCII.dot {
                return false
            }
        }
        return sawColon
    }

    /// Whether `port` is a port number: 1 to 5 digits, at most 65535 (RFC 3986 §3.2.3, RFC 6335 §6). An empty port,
    /// which RFC 3986 tolerates, is refused: no client sends one.
    static func isValidPort<Bytes: Collection<UInt8>>(_ port: Bytes) -> Bool {
        guard !port.isEmpty, port.count <= 5 else {
            return false
        }
        var value = 0
        for byte in port {
            guard ASCII.isDigit(byte) else {
                return false
            }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value <= 65535
    }
}
