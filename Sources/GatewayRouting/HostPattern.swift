/// Host part of a route.
///
/// Patterns are lowercased when built, and request hosts by ``HostName/normalize(_:)``, so matching compares bytes
/// (host names are case-insensitive, RFC 3986 §6.2.2.1, RFC 4343).
public enum HostPattern: Hashable, Sendable {
    /// A route without `host`: every host.
    case any
    /// One host, lowercased, e.g. "api.example.com".
    case exact(String)
    /// "*.example.com", stored as the suffix ".example.com" (lowercased): one or more labels before "example.com",
    /// never "example.com" itself (SPEC §9 "Routing"). A suffix given without its leading dot is read as if it had
    /// one.
    case wildcard(suffix: String)

    /// Parses a rules-file `host` value ("api.example.com", "*.example.com"); nil if malformed
    /// (empty, a port, a "*" not in the leftmost label alone, characters not allowed in a host name).
    ///
    /// Accepted: a host name as ``HostName/normalize(_:)`` accepts it (letters, digits, `-`, `_` in non-empty
    /// labels; RFC 1123 §2.1), a bracketed IPv6 literal (RFC 3986 §3.2.2), or `*.` followed by a host name. One
    /// trailing dot is ignored, as for request hosts (RFC 1034 §3.1). A bare "*" is refused: a route for every host
    /// leaves `host` out.
    public init?(parsing text: String) {
        let bytes = text.utf8
        if bytes.first == ASCII.openBracket {
            guard HostSyntax.isValidIPLiteral(text[...].utf8) else {
                return nil
            }
            self = .exact(ASCII.lowercased(text[...]))
            return
        }
        var name = text[...]
        let isWildcard =
            bytes.count >= 2 && bytes.first == ASCII.asterisk
            && bytes[bytes.index(after: bytes.startIndex)] == ASCII.dot
        if isWildcard {
            name = text[bytes.index(bytes.startIndex, offsetBy: 2)...]
        }
        if name.utf8.last == ASCII.dot {
            name = name[..<name.utf8.index(before: name.utf8.endIndex)]
        }
        guard HostSyntax.isValidName(name.utf8) else {
            return nil
        }
        let lowercased = ASCII.lowercased(name)
        self = isWildcard ? .wildcard(suffix: "." + lowercased) : .exact(lowercased)
    }

    /// Whether a request host, as ``HostName/normalize(_:)`` gives it, falls under this pattern.
    public func matches(_ normalizedHost: String) -> Bool {
        switch self {
        case .any:
            return true
        case .exact(let host):
            return normalizedHost.utf8.elementsEqual(host.utf8)
        case .wildcard(let suffix):
            let hostBytes = normalizedHost.utf8
            let suffixBytes = suffix.utf8
            // At least one byte before the suffix: "*.example.com" never matches "example.com" itself.
            guard hostBytes.count > suffixBytes.count, hostBytes.suffix(suffixBytes.count).elementsEqual(suffixBytes)
            else {
                return false
            }
            // A suffix built by hand without its leading dot still matches whole labels only.
            return suffixBytes.first == ASCII.dot
                || hostBytes[hostBytes.index(hostBytes.endIndex, offsetBy: -suffixBytes.count - 1)] == ASCII.dot
        }
    }
}
