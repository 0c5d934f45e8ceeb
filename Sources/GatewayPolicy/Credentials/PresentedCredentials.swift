import NIOHTTP1

/// The credentials a request presents, pulled from its headers (SPEC §3) without judging them.
///
/// `Authorization` with a scheme other than `Bearer` is not a credential of ours (SPEC §9) and
/// is ignored here; keys in the query string are never credentials.
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

    init(headers: HTTPHeaders) {
        self.hasSignature = headers.contains(name: "signature-input") || headers.contains(name: "signature")
        self.malformed = nil
        self.bearer = nil
        self.apiKey = nil
        self.readBearer(headers["authorization"])
        self.readAPIKey(headers["x-api-key"])
    }

    /// RFC 6750 §2.1: `Bearer` (case-insensitive) 1*SP b64token. Other schemes are ignored.
    private mutating func readBearer(_ values: [String]) {
        var tokens: [Substring] = []
        for value in values {
            let trimmed = value.trimmingWhitespace()
            guard Self.hasBearerScheme(trimmed) else { continue }
            let afterScheme = trimmed.utf8.index(trimmed.utf8.startIndex, offsetBy: 6)
            tokens.append(trimmed[afterScheme...].trimmingWhitespace())
        }
        guard let token = tokens.first else { return }
        guard tokens.count == 1, Self.isB64Token(token) else {
            self.malformed = .bearer
            return
        }
        self.bearer = token
    }

    private mutating func readAPIKey(_ values: [String]) {
        guard let first = values.first else { return }
        let key = first.trimmingWhitespace()
        guard values.count == 1, !key.isEmpty, key.utf8.count <= Self.maxCredentialBytes,
            key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else {
            self.malformed = self.malformed ?? .apiKey
            return
        }
        self.apiKey = String(key)
    }

    /// Whether `value` starts with the scheme `Bearer` (any case) followed by whitespace or
    /// nothing.
    static func hasBearerScheme(_ value: Substring) -> Bool {
        let bytes = value.utf8
        guard bytes.count >= 6 else { return false }
        var index = bytes.startIndex
        for expected in "bearer".utf8 {
            guard bytes[index] | 0x20 == expected else { return false }
            index = bytes.index(after: index)
        }
        return index == bytes.endIndex || bytes[index] == 0x20 || bytes[index] == 0x09
    }

    /// `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="` (RFC 6750 §2.1).
    static func isB64Token(_ token: Substring) -> Bool {
        guard !token.isEmpty, token.utf8.count <= Self.maxCredentialBytes else { return false }
        var seenPadding = false
        for byte in token.utf8 {
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
