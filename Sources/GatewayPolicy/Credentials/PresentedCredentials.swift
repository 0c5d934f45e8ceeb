/// The credentials a request presents, pulled from its fields (SPEC §3) without judging them.
///
/// `Authorization` with a scheme other than `Bearer` is not a credential of ours (SPEC §9) and
/// is ignored here; keys in the query string are never credentials. Fields are read as bytes:
/// only the token or key that was presented becomes a `String`.
struct PresentedCredentials {
    /// A presented credential that is not even well formed (SPEC §9 check 2).
    enum Malformed: Error {
        case bearer
        case apiKey
        case signature
    }

    /// The token after `Bearer `, when presented.
    var bearer: Substring?
    /// The `X-API-Key` value, when presented.
    var apiKey: String?
    /// Whether `Signature-Input` or `Signature` is present.
    var hasSignature: Bool
    /// A credential that was presented but malformed, found while extracting.
    var malformed: Malformed?

    var isEmpty: Bool { self.bearer == nil && self.apiKey == nil && !self.hasSignature && self.malformed == nil }

    /// Longest API key or bearer token considered at all; longer ones are malformed.
    static let maxCredentialBytes = 8 * 1024

    init<Fields: RequestFields>(fields: Fields) {
        self.hasSignature = fields.contains("signature-input") || fields.contains("signature")
        self.malformed = nil
        self.bearer = nil
        self.apiKey = nil
        self.readBearer(fields)
        self.readAPIKey(fields)
    }

    /// RFC 6750 §2.1: `Bearer` (case-insensitive) 1*SP b64token. Other schemes are ignored.
    private mutating func readBearer<Fields: RequestFields>(_ fields: Fields) {
        var token: Substring?
        var count = 0
        var wellFormed = true
        fields.forEachValue(of: "authorization") { value in
            let trimmed = ASCIIBytes.trimmingWhitespace(value)
            guard Self.hasBearerScheme(trimmed) else { return true }
            count += 1
            let credential = ASCIIBytes.trimmingWhitespace(UnsafeRawBufferPointer(rebasing: trimmed[6...]))
            if count == 1, Self.isB64Token(credential) {
                token = Substring(String(decoding: credential, as: UTF8.self))
            } else {
                wellFormed = false
            }
            return true
        }
        guard count > 0 else { return }
        guard count == 1, wellFormed, let token else {
            self.malformed = .bearer
            return
        }
        self.bearer = token
    }

    private mutating func readAPIKey<Fields: RequestFields>(_ fields: Fields) {
        var key: String?
        var count = 0
        var wellFormed = true
        fields.forEachValue(of: "x-api-key") { value in
            count += 1
            let trimmed = ASCIIBytes.trimmingWhitespace(value)
            guard count == 1, !trimmed.isEmpty, trimmed.count <= Self.maxCredentialBytes,
                trimmed.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
            else {
                wellFormed = false
                return false
            }
            key = String(decoding: trimmed, as: UTF8.self)
            return true
        }
        guard count > 0 else { return }
        guard wellFormed, let key else {
            self.malformed = self.malformed ?? .apiKey
            return
        }
        self.apiKey = key
    }

    /// Whether `value` starts with the scheme `Bearer` (any case) followed by whitespace or
    /// nothing.
    static func hasBearerScheme(_ value: UnsafeRawBufferPointer) -> Bool {
        guard value.count >= 6 else { return false }
        var index = 0
        for expected in "bearer".utf8 {
            guard value[index] | 0x20 == expected else { return false }
            index += 1
        }
        return index == value.count || value[index] == 0x20 || value[index] == 0x09
    }

    /// `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="` (RFC 6750 §2.1).
    static func isB64Token(_ token: UnsafeRawBufferPointer) -> Bool {
        guard !token.isEmpty, token.count <= Self.maxCredentialBytes else { return false }
        var seenPadding = false
        for byte in token {
            switch byte {
            case UInt8(ascii: "="):
                seenPadding = true
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"), UInt8(ascii: "+"), UInt8(ascii: "/"):
                if seenPadding { return false }
            default:
                return false
            }
        }
        return true
    }
}

/// Byte-level helpers for field values.
enum ASCIIBytes {
    /// `bytes` without leading and trailing spaces and tabs (HTTP optional whitespace, RFC 9110
    /// §5.6.3).
    static func trimmingWhitespace(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (HTTP optional whitespace, RFC 9110 §5.6.3);
    /// the proxy's header handling uses it too.
    ///
    /// Walks UTF-8 code units, not `Character`s: it runs on every credential and forwarded field,
    /// and grapheme breaking cost more than the rest of the check.
    public func trimmingWhitespace() -> SubSequence {
        // One forward pass (a generic `UTF8View` cannot step backwards): `end` follows the last
        // byte that is not whitespace.
        let bytes = self.utf8
        var start = bytes.startIndex
        while start < bytes.endIndex, bytes[start] == 0x20 || bytes[start] == 0x09 { bytes.formIndex(after: &start) }
        var end = start
        var index = start
        while index < bytes.endIndex {
            let byte = bytes[index]
            bytes.formIndex(after: &index)
            if byte != 0x20, byte != 0x09 { end = index }
        }
        return self[start..<end]
    }
}
