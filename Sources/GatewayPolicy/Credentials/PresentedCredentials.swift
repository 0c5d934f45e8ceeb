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
            let scheme = trimmed.prefix { $0 != " " && $0 != "\t" }
            guard scheme.count == 6, scheme.lowercased() == "bearer" else { continue }
            tokens.append(trimmed.dropFirst(6).trimmingWhitespace())
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
    public func trimmingWhitespace() -> SubSequence {
        var start = self.startIndex
        var end = self.endIndex
        while start < end, self[start] == " " || self[start] == "\t" { start = self.index(after: start) }
        while end > start {
            let before = self.index(before: end)
            guard self[before] == " " || self[before] == "\t" else { break }
            end = before
        }
        return self[start..<end]
    }
}
