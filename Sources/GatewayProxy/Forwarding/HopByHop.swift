import GatewayPolicy
import NIOHTTP1

/// Header names that describe one connection, not the message (RFC 9110 §7.6.1), and are
/// never forwarded; together with the names a `Connection` header lists.
///
/// Names are compared ASCII-case-insensitively in place: this runs for every header of every
/// request and response, so it must not allocate a lowercased copy.
enum HopByHop {
    /// Whether `name` is hop-by-hop by definition (not counting `Connection` tokens).
    static func isHopByHop(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { bytes in
            switch bytes.count {
            case 2: return FieldName.equals(bytes, "te")
            case 7: return FieldName.equals(bytes, "trailer") || FieldName.equals(bytes, "upgrade")
            case 10: return FieldName.equals(bytes, "connection") || FieldName.equals(bytes, "keep-alive")
            case 16: return FieldName.equals(bytes, "proxy-connection")
            case 17: return FieldName.equals(bytes, "transfer-encoding")
            case 18: return FieldName.equals(bytes, "proxy-authenticate")
            case 19: return FieldName.equals(bytes, "proxy-authorization")
            default: return false
            }
        }
    }

    /// The lowercased field names listed in `Connection` headers (beyond `close`/`keep-alive`).
    static func connectionTokens(_ headers: HTTPHeaders) -> [String] {
        var tokens: [String] = []
        for (name, value) in headers where name.utf8.count == 10 && FieldName.equals(name, "connection") {
            for token in value.split(separator: ",") {
                let trimmed = token.trimmingWhitespace().lowercased()
                if !trimmed.isEmpty, trimmed != "close", trimmed != "keep-alive" { tokens.append(trimmed) }
            }
        }
        return tokens
    }

    /// Whether `name` is hop-by-hop, given the `Connection` tokens of its message.
    static func isHopByHop(_ name: String, connectionTokens: [String]) -> Bool {
        if Self.isHopByHop(name) { return true }
        guard !connectionTokens.isEmpty else { return false }
        let lowered = name.lowercased()
        return connectionTokens.contains(lowered)
    }
}

/// ASCII-case-insensitive field-name comparisons without allocation.
enum FieldName {
    /// Whether `bytes` equals `lowercase` (which must be lowercase ASCII), ignoring ASCII case.
    static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = lowercase.utf8Start
        for index in 0..<bytes.count where bytes[index] | 0x20 != expected[index] {
            // `| 0x20` lowercases letters; a non-letter differing only in bit 5 is rejected below.
            return false
        }
        for index in 0..<bytes.count where bytes[index] != expected[index] {
            let byte = bytes[index]
            guard byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") else { return false }
        }
        return true
    }

    static func equals(_ name: String, _ lowercase: StaticString) -> Bool {
        guard name.utf8.count == lowercase.utf8CodeUnitCount else { return false }
        var name = name
        return name.withUTF8 { Self.equals($0, lowercase) }
    }

    /// Whether `name` starts with `lowercasePrefix`, ignoring ASCII case.
    static func hasPrefix(_ name: String, _ lowercasePrefix: StaticString) -> Bool {
        guard name.utf8.count >= lowercasePrefix.utf8CodeUnitCount else { return false }
        var name = name
        return name.withUTF8 { bytes in
            Self.equals(UnsafeBufferPointer(rebasing: bytes[0..<lowercasePrefix.utf8CodeUnitCount]), lowercasePrefix)
        }
    }
}
