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
        var header = hostHeader
        return header.withUTF8 { Self.normalize($0, of: hostHeader) }
    }

    /// `normalize(_:)` of a value given as bytes (an HTTP/1.1 `Host` field in the received head):
    /// one string is made, the normal form.
    public static func normalize(bytes: UnsafeRawBufferPointer) -> String? {
        Self.normalize(bytes.assumingMemoryBound(to: UInt8.self), of: nil)
    }

    /// `normalize(_:)` over the value's bytes; `original`, if given, is handed back when already
    /// normal.
    private static func normalize(_ bytes: UnsafeBufferPointer<UInt8>, of original: String?) -> String? {
        guard let first = bytes.first else {
            return nil
        }
        let hostEnd: Int
        let portSeparator: Int?
        if first == ASCII.openBracket {
            guard let close = bytes.firstIndex(of: ASCII.closeBracket) else {
                return nil
            }
            hostEnd = close + 1
            guard HostSyntax.isValidIPLiteral(bytes[..<hostEnd]) else {
                return nil
            }
            if hostEnd == bytes.count {
                portSeparator = nil
            } else {
                guard bytes[hostEnd] == ASCII.colon else {
                    return nil
                }
                portSeparator = hostEnd
            }
        } else {
            portSeparator = bytes.firstIndex(of: ASCII.colon)
            var nameEnd = portSeparator ?? bytes.count
            if nameEnd > 0, bytes[nameEnd - 1] == ASCII.dot {
                nameEnd -= 1
            }
            guard HostSyntax.isValidName(bytes[..<nameEnd]) else {
                return nil
            }
            hostEnd = nameEnd
        }
        if let portSeparator {
            guard HostSyntax.isValidPort(bytes[(portSeparator + 1)...]) else {
                return nil
            }
        }
        let host = bytes[..<hostEnd]
        let hasUppercase = host.contains { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }
        if hostEnd == bytes.count, !hasUppercase, let original {
            // Already normal: hand back the caller's string, sharing its storage.
            return original
        }
        return String(unsafeUninitializedCapacity: hostEnd) { output in
            for index in 0..<hostEnd { output[index] = ASCII.lowercased(host[index]) }
            return hostEnd
        }
    }
}
