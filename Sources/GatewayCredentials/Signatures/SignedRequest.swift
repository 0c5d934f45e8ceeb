/// A request as HTTP Message Signatures (RFC 9421) see it: what the gateway received, before
/// path normalisation (SPEC §9 "Signatures"), and nothing of SwiftNIO.
///
/// The proxy fills it from the request head: `authority` is the `Host` header (HTTP/1.1) or
/// `:authority` (HTTP/2), `target` the request-target exactly as it arrived (origin-form
/// `/path?query`, absolute-form `https://host/path?query`, or `*`), and `fields` every header
/// line in arrival order. Several lines of one field are combined when a component is derived
/// (RFC 9421 §2.1), so they are passed as received.
public struct SignedRequest: Sendable {
    public var method: String
    /// `http` or `https`: how the request reached the gateway.
    public var scheme: String
    public var authority: String
    public var target: String
    public var fields: [(name: String, value: String)]
    /// Whether the request has content (a `Content-Length` above 0, or chunked): then the
    /// signature must cover `content-digest` (SPEC §3).
    public var hasBody: Bool

    public init(
        method: String,
        scheme: String,
        authority: String,
        target: String,
        fields: [(name: String, value: String)] = [],
        hasBody: Bool = false
    ) {
        self.method = method
        self.scheme = scheme
        self.authority = authority
        self.target = target
        self.fields = fields
        self.hasBody = hasBody
    }

    /// A request for an absolute `http` or `https` URL (`gateway sign --url`): the authority and
    /// the origin-form target are taken from it. Nil for anything else. A fragment is dropped,
    /// as a client does before sending.
    public init?(
        method: String,
        url: String,
        fields: [(name: String, value: String)] = [],
        hasBody: Bool = false
    ) {
        guard let separator = url.firstRange(of: "://") else { return nil }
        let scheme = url[..<separator.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        var rest = url[separator.upperBound...]
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        var target = String(rest[authorityEnd...])
        if target.isEmpty || target.first == "?" { target = "/" + target }
        self.init(
            method: method,
            scheme: scheme,
            authority: String(authority),
            target: target,
            fields: fields,
            hasBody: hasBody
        )
    }

    /// The value of the field `name` (lowercase) per RFC 9421 §2.1: every line with that name,
    /// compared case-insensitively, each stripped of leading and trailing spaces and tabs, joined
    /// with ", ". Nil when no line has the name.
    public func fieldValue(_ name: String) -> String? {
        var combined: String? = nil
        for field in self.fields where ASCII.equalsLowercased(field.name, name) {
            let value = ASCII.trimmingWhitespace(field.value)
            if combined == nil {
                combined = String(value)
            } else {
                combined!.append(", ")
                combined!.append(contentsOf: value)
            }
        }
        return combined
    }

    /// Each line's value of the field `name`, stripped, in order (for `;bs`, RFC 9421 §2.1.3).
    func fieldLines(_ name: String) -> [Substring] {
        self.fields.lazy.filter { ASCII.equalsLowercased($0.name, name) }.map { ASCII.trimmingWhitespace($0.value) }
    }
}

/// ASCII helpers for header names and values.
enum ASCII {
    /// Whether `text` equals `lowercase` (already lowercase) ignoring ASCII case.
    @inline(__always)
    static func equalsLowercased(_ text: String, _ lowercase: String) -> Bool {
        var a = text.utf8.makeIterator()
        var b = lowercase.utf8.makeIterator()
        while true {
            switch (a.next(), b.next()) {
            case (nil, nil): return true
            case (let x?, let y?):
                let folded = (x >= 0x41 && x <= 0x5A) ? x | 0x20 : x
                if folded != y { return false }
            default: return false
            }
        }
    }

    /// `text` without leading and trailing SP and HTAB (RFC 9110 §5.5 OWS).
    static func trimmingWhitespace(_ text: String) -> Substring {
        let utf8 = text.utf8
        var start = utf8.startIndex
        var end = utf8.endIndex
        while start < end, utf8[start] == 0x20 || utf8[start] == 0x09 { start = utf8.index(after: start) }
        while end > start {
            let before = utf8.index(before: end)
            guard utf8[before] == 0x20 || utf8[before] == 0x09 else { break }
            end = before
        }
        return Substring(text[start..<end])
    }

    static func lowercased(_ text: some StringProtocol) -> String {
        String(decoding: text.utf8.map { ($0 >= 0x41 && $0 <= 0x5A) ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}
