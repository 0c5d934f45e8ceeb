/// Reads `JWTClaims` from a verified token's decoded payload, in one pass over its members.
struct ClaimsReader: Sendable {
    /// `[jwt] scope_claims`, as bytes for comparison with member names.
    private let scopeClaimNames: [[UInt8]]
    private let scopeClaims: [String]
    /// The claims routes send upstream (`claims_to_headers`, SPEC §10), as bytes and as keys.
    private let headerClaimNames: [[UInt8]]
    private let headerClaims: [String]

    init(scopeClaims: [String], headerClaims: [String] = []) {
        self.scopeClaims = scopeClaims
        self.scopeClaimNames = scopeClaims.map { Array($0.utf8) }
        self.headerClaims = headerClaims
        self.headerClaimNames = headerClaims.map { Array($0.utf8) }
    }

    /// Throws `malformed_credential` when the payload is not a JSON object (RFC 7519 §7.2 step
    /// 10), has duplicate member names, or a registered claim of the wrong type.
    func read(_ payload: [UInt8]) throws(JWTVerificationError) -> JWTClaims {
        var headerValues: [String: String] = [:]
        return try self.read(payload, headerValues: &headerValues)
    }

    /// Reads the claims, and into `headerValues` the header value of each claim that
    /// `headerClaims` names and the token carries with a type a header can hold.
    func read(_ payload: [UInt8], headerValues: inout [String: String]) throws(JWTVerificationError) -> JWTClaims {
        let document: JSONDocument
        do {
            document = try JSONDocument(parsing: payload)
        } catch {
            throw .malformed("claims: \(error.reason)")
        }
        guard document.kind(JSONDocument.root) == .object else { throw .malformed("claims set is not a JSON object") }

        var claims = JWTClaims()
        // Index in `scopeClaims` of the earliest configured claim seen so far, and its value.
        var scopeRank = Int.max
        var scopeValue = -1
        for (key, value) in document.members(of: JSONDocument.root) {
            let name = document.stringBytes(key)!
            // Registered names are 3 bytes; check them first, cheaply.
            if name.count == 3 {
                switch (name[name.startIndex], name[name.startIndex + 1], name[name.startIndex + 2]) {
                case (0x69, 0x73, 0x73):  // iss
                    claims.iss = try Self.string(document, value, "iss")
                case (0x73, 0x75, 0x62):  // sub
                    claims.sub = try Self.string(document, value, "sub")
                case (0x61, 0x75, 0x64):  // aud
                    claims.aud = try Self.audience(document, value)
                case (0x65, 0x78, 0x70):  // exp
                    claims.exp = try Self.numericDate(document, value, "exp", roundingUp: false)
                case (0x6E, 0x62, 0x66):  // nbf
                    claims.nbf = try Self.numericDate(document, value, "nbf", roundingUp: true)
                case (0x69, 0x61, 0x74):  // iat
                    claims.iat = try Self.numericDate(document, value, "iat", roundingUp: true)
                case (0x6A, 0x74, 0x69):  // jti
                    claims.jti = try Self.string(document, value, "jti")
                case (0x63, 0x6E, 0x66):  // cnf
                    claims.jkt = try Self.confirmationThumbprint(document, value)
                default:
                    break
                }
            }
            if !self.headerClaimNames.isEmpty {
                for (index, claimName) in self.headerClaimNames.enumerated() where name.elementsEqual(claimName) {
                    if let text = Self.headerValue(document, value) { headerValues[self.headerClaims[index]] = text }
                    break
                }
            }
            for rank in 0..<min(scopeRank, self.scopeClaimNames.count)
            where name.elementsEqual(self.scopeClaimNames[rank]) {
                scopeRank = rank
                scopeValue = value
                break
            }
        }
        if scopeValue >= 0 {
            claims.scopeClaim = self.scopeClaims[scopeRank]
            claims.scopes = try Self.scopes(document, scopeValue, self.scopeClaims[scopeRank])
        }
        return claims
    }

    /// RFC 7800 §3.1: `cnf` is an object; RFC 9449 §6.1: its `jkt` member, if present, a
    /// base64url string (the SHA-256 JWK thumbprint). Other confirmation methods (`x5t#S256`, …)
    /// are not read here.
    private static func confirmationThumbprint(
        _ document: JSONDocument,
        _ value: Int
    ) throws(JWTVerificationError) -> String? {
        guard document.kind(value) == .object else { throw .malformed("claim cnf is not an object") }
        guard let jkt = document.member("jkt", in: value) else { return nil }
        guard let bytes = document.stringBytes(jkt), !bytes.isEmpty, bytes.allSatisfy(Base64URL.isAlphabet) else {
            throw .malformed("claim cnf.jkt is not a base64url string")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A claim as an upstream header value (SPEC §10): a string as is, a number as its JSON
    /// text, `true` / `false`, an array of strings joined with single spaces; nil for anything
    /// else (null, an object, an array holding a non-string). Control characters become spaces,
    /// so no value can end the field or the header block (CR, LF) or be cut short (NUL).
    static func headerValue(_ document: JSONDocument, _ value: Int) -> String? {
        switch document.kind(value) {
        case .string:
            return Self.fieldSafe(document.stringBytes(value)!)
        case .number:
            return document.numberText(value)
        case .true:
            return "true"
        case .false:
            return "false"
        case .array:
            var joined: [UInt8] = []
            for (offset, element) in document.elements(of: value).enumerated() {
                guard let bytes = document.stringBytes(element) else { return nil }
                if offset > 0 { joined.append(0x20) }
                joined.append(contentsOf: bytes)
            }
            return Self.fieldSafe(joined[...])
        case .object, .null:
            return nil
        }
    }

    /// `bytes` (valid UTF-8) with each C0 control character but HTAB, and DEL, replaced by a space.
    private static func fieldSafe(_ bytes: ArraySlice<UInt8>) -> String {
        if !bytes.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) {
            return String(decoding: bytes, as: UTF8.self)
        }
        return String(decoding: bytes.map { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F ? 0x20 : $0 }, as: UTF8.self)
    }

    private static func string(
        _ document: JSONDocument,
        _ value: Int,
        _ name: StaticString
    ) throws(JWTVerificationError) -> String {
        guard let string = document.string(value) else { throw .malformed("claim \(name) is not a string") }
        return string
    }

    /// RFC 7519 §2 NumericDate.
    private static func numericDate(
        _ document: JSONDocument,
        _ value: Int,
        _ name: StaticString,
        roundingUp: Bool
    ) throws(JWTVerificationError) -> Int64 {
        guard document.kind(value) == .number else { throw .malformed("claim \(name) is not a number") }
        guard let seconds = document.integer(value, roundingUp: roundingUp) else {
            throw .malformed("claim \(name) is out of range")
        }
        return seconds
    }

    /// RFC 7519 §4.1.3: a string or an array of strings.
    private static func audience(_ document: JSONDocument, _ value: Int) throws(JWTVerificationError) -> [String] {
        if let single = document.string(value) { return [single] }
        return try Self.stringArray(document, value, "aud")
    }

    /// A space-separated string (RFC 6749 §3.3, RFC 8693 §4.2) or an array of strings.
    private static func scopes(
        _ document: JSONDocument,
        _ value: Int,
        _ name: String
    ) throws(JWTVerificationError) -> [String] {
        if let bytes = document.stringBytes(value) {
            return bytes.split(separator: 0x20, omittingEmptySubsequences: true).map {
                String(decoding: $0, as: UTF8.self)
            }
        }
        guard document.kind(value) == .array else { throw .malformed("claim \(name) is neither a string nor an array") }
        var scopes: [String] = []
        scopes.reserveCapacity(Int(document.tokens[value].count))
        for element in document.elements(of: value) {
            guard let scope = document.string(element) else { throw .malformed("claim \(name) holds a non-string") }
            scopes.append(scope)
        }
        return scopes
    }

    private static func stringArray(
        _ document: JSONDocument,
        _ value: Int,
        _ name: StaticString
    ) throws(JWTVerificationError) -> [String] {
        guard document.kind(value) == .array else { throw .malformed("claim \(name) is neither a string nor an array") }
        var strings: [String] = []
        strings.reserveCapacity(Int(document.tokens[value].count))
        for element in document.elements(of: value) {
            guard let string = document.string(element) else { throw .malformed("claim \(name) holds a non-string") }
            strings.append(string)
        }
        return strings
    }
}
