/// The host a request names, in the form routes are matched against and the audit's `host` field records.
public enum HostName {
    /// The `Host` header (or :authority) lowercased, without port, IPv6 brackets kept ("[::1]:8080" → "[::1]",
    /// "API.Example.com:443" → "api.example.com", a trailing dot removed). nil if the value is malformed.
    ///
    /// The value is `uri-host [ ":" port ]` (RFC 9110 §7.2, RFC 3986 §3.2.2–3.2.3). Host names compare
    /// case-insensitively (RFC 3986 §6.2.2.1, RFC 4343), and `example.com.` names the same host as `example.com`
    /// (RFC 1034 §3.1), so both are folded here. Malformed: empty, whitespace or control characters, characters no
    /// host name holds (see ``HostPattern``), an empty label, a non-numeric, empty or out-of-range port, unbalanced
    /// brackets.
    public static func normalize(_ hostHeader: String) -> String? {
        let bytes = hostHeader.utf8
        guard let first = bytes.first else {
            return nil
        }
        let host: Substring
        let portSeparator: String.Index?
        if first == ASCII.openBracket {
            guard let close = bytes.firstIndex(of: ASCII.closeBracket) else {
                return nil
            }
            let hostEnd = bytes.index(after: close)
            host = hostHeader[..<hostEnd]
            guard HostSyntax.isValidIPLiteral(host.utf8) else {
                return nil
            }
            if hostEnd == bytes.endIndex {
                portSeparator = nil
            } else {
                guard bytes[hostEnd] == ASCII.colon else {
                    return nil
                }
                portSeparator = hostEnd
            }
        } else {
            portSeparator = bytes.firstIndex(of: ASCII.colon)
            var name = hostHeader[..<(portSeparator ?? bytes.endIndex)]
            if name.utf8.last == ASCII.dot {
                // Sliced by bytes: `dropLast()` would drop a whole grapheme cluster, which may hold more than the dot.
                name = name[..<name.utf8.index(before: name.utf8.endIndex)]
            }
            guard HostSyntax.isValidName(name.utf8) else {
                return nil
            }
            host = name
        }
        if let portSeparator {
            guard HostSyntax.isValidPort(hostHeader[bytes.index(after: portSeparator)...].utf8) else {
                return nil
            }
        }
        if host.endIndex == hostHeader.endIndex,
            !bytes.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") })
        {
            // Already normal: hand back the caller's string, sharing its storage.
            return hostHeader
        }
        return ASCII.lowercased(host)
    }
}
