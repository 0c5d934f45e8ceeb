import GatewayRules

/// The values of RFC 9421 §2.2 derived components, computed from a `SignedRequest` as received.
enum DerivedComponents {
    /// The path and query of a request-target (RFC 9112 §3.2): origin-form `/p?q`, absolute-form
    /// `scheme://authority/p?q`, or asterisk-form `*`.
    struct Target {
        /// The absolute path, undecoded; `/` when the target has none (RFC 9110 §4.2.3).
        var path: Substring
        /// The query without its `?`; nil when the target has no `?`.
        var query: Substring?
        /// Whether the target was absolute-form (then it is the target URI itself).
        var isAbsolute: Bool
    }

    static func target(_ target: String) -> Target {
        var rest = Substring(target)
        var isAbsolute = false
        if let first = rest.utf8.first, first != UInt8(ascii: "/"), let separator = rest.firstRange(of: "://") {
            // Absolute-form: the path starts at the first "/" or "?" after the authority.
            isAbsolute = true
            let afterScheme = rest[separator.upperBound...]
            rest = afterScheme[(afterScheme.firstIndex { $0 == "/" || $0 == "?" } ?? afterScheme.endIndex)...]
        } else if rest == "*" {
            return Target(path: "/", query: nil, isAbsolute: false)
        }
        if let fragment = rest.firstIndex(of: "#") { rest = rest[..<fragment] }
        var path = rest
        var query: Substring? = nil
        if let mark = rest.firstIndex(of: "?") {
            path = rest[..<mark]
            query = rest[rest.index(after: mark)...]
        }
        if path.isEmpty { path = "/" }
        return Target(path: path, query: query, isAbsolute: isAbsolute)
    }

    /// §2.2.3: the authority normalised per RFC 9110 §4.2.3 — host lowercased, the scheme's
    /// default port (and an empty port) omitted.
    static func authority(_ authority: String, scheme: String) -> String {
        var text = ASCII.lowercased(ASCII.trimmingWhitespace(authority))
        // The port follows the last ":" that is not inside an IPv6 literal.
        let portStart: String.Index? = {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            if let bracket = text.lastIndex(of: "]"), bracket > colon { return nil }
            return colon
        }()
        if let colon = portStart {
            let port = text[text.index(after: colon)...]
            let lowerScheme = ASCII.lowercased(scheme)
            if port.isEmpty || (lowerScheme == "http" && port == "80") || (lowerScheme == "https" && port == "443") {
                text = String(text[..<colon])
            }
        }
        return text
    }

    /// §2.2.2: the target URI (RFC 9110 §7.1): the target itself when absolute-form, else the
    /// scheme, the authority as received and the target.
    static func targetURI(_ request: SignedRequest, _ target: Target) -> String {
        if target.isAbsolute { return request.target }
        let scheme = ASCII.lowercased(request.scheme)
        let authority = ASCII.trimmingWhitespace(request.authority)
        if request.target == "*" { return "\(scheme)://\(authority)" }
        return "\(scheme)://\(authority)\(request.target)"
    }

    /// §2.2.8: the encoded value of the query parameter whose encoded name is `name`, or nil when
    /// the query has no such parameter or has it more than once ("If a parameter name occurs
    /// multiple times in a request, the named parameter MUST NOT be included").
    ///
    /// The query is parsed as `application/x-www-form-urlencoded` (WHATWG URL §5.1: split on
    /// `&`, then on the first `=`, `+` as space, percent-decoded, UTF-8 with replacement), and
    /// names and values are encoded again with the `application/x-www-form-urlencoded`
    /// percent-encode set, space as `%20`.
    static func queryParameter(_ name: String, in query: Substring?) -> String? {
        guard let query else { return nil }
        var found: String? = nil
        for sequence in query.split(separator: "&", omittingEmptySubsequences: true) {
            let equals = sequence.firstIndex(of: "=")
            let rawName = equals.map { sequence[..<$0] } ?? sequence
            guard Self.formEncoded(rawName) == name else { continue }
            guard found == nil else { return nil }
            let rawValue = equals.map { sequence[sequence.index(after: $0)...] } ?? ""
            found = Self.formEncoded(rawValue)
        }
        return found
    }

    /// Decodes one `application/x-www-form-urlencoded` name or value and encodes it again.
    static func formEncoded(_ raw: Substring) -> String {
        let bytes = Array(raw.utf8)
        var decoded: [UInt8] = []
        decoded.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                decoded.append(0x20)
            } else if byte == UInt8(ascii: "%"), index + 2 < bytes.count,
                let high = HexDigit.value(bytes[index + 1]), let low = HexDigit.value(bytes[index + 2])
            {
                decoded.append(high << 4 | low)
                index += 2
            } else {
                // A "%" not followed by two hex digits stays as it is.
                decoded.append(byte)
            }
            index += 1
        }
        // UTF-8 decode with replacement (WHATWG "UTF-8 decode without BOM"), then encode again.
        let text = String(decoding: decoded, as: UTF8.self)
        let digits = Array("0123456789ABCDEF".utf8)
        var encoded: [UInt8] = []
        encoded.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "*"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"):
                encoded.append(byte)
            default:
                encoded.append(UInt8(ascii: "%"))
                encoded.append(digits[Int(byte >> 4)])
                encoded.append(digits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: encoded, as: UTF8.self)
    }

}
