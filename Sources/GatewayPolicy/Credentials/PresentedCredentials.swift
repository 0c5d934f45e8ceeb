import GatewayCredentials

/// The credentials a request presents, pulled from its fields (SPEC §3) without judging them.
///
/// `Authorization` with a scheme other than `Bearer` or `DPoP` is not a credential of ours
/// (SPEC §9) and is ignored here; keys in the query string are never credentials. Fields are
/// read as bytes: only the token, proof or key that was presented becomes a `String`.
struct PresentedCredentials {
    /// A presented credential that is not even well formed (SPEC §9 check 2).
    enum Malformed: Error {
        case bearer
        case apiKey
        case signature
    }

    /// The `Authorization` scheme an access token came with.
    enum TokenScheme {
        /// RFC 6750 §2.1.
        case bearer
        /// RFC 9449 §7.1: a DPoP-bound token, with its proof in the `DPoP` field.
        case dpop
    }

    /// The `DPoP` fields of a request that uses the `DPoP` scheme (RFC 9449 §4.3 step 1).
    enum Proof {
        /// No `DPoP` field.
        case missing
        /// Exactly one, well formed: a JWS compact serialization's characters.
        case one(Substring)
        /// More than one field, or one whose value cannot be a proof.
        case malformed(String)
    }

    /// The access token after `Bearer ` or `DPoP `, when presented; nil too when the token cache
    /// held a `Bearer` token (`cachedToken`), whose text nothing then needs.
    var accessToken: Substring?
    /// What verifying the access token produced, when the loop's token cache held it: looked up
    /// by the field's bytes, so a hit makes no `String` of the token.
    var cachedToken: CachedToken?
    /// The scheme `accessToken` came with.
    var tokenScheme: TokenScheme
    /// The `DPoP` field, read only for the `DPoP` scheme (`.missing` otherwise).
    var proof: Proof
    /// The `X-API-Key` value, when presented.
    var apiKey: String?
    /// Whether `Signature-Input` or `Signature` is present.
    var hasSignature: Bool
    /// A credential that was presented but malformed, found while extracting.
    var malformed: Malformed?

    /// Whether an access token was presented (well formed as far as extraction sees).
    var hasAccessToken: Bool { self.accessToken != nil || self.cachedToken != nil }

    var isEmpty: Bool { !self.hasAccessToken && self.apiKey == nil && !self.hasSignature && self.malformed == nil }

    /// Longest API key, access token or DPoP proof considered at all; longer ones are malformed.
    static let maxCredentialBytes = 8 * 1024

    /// - Parameter tokenCache: the loop's verified tokens, where the access token is looked up
    ///   (a hit or a miss counted) before any `String` is made of it; nil for `explain`.
    init<Fields: RequestFields>(fields: Fields, tokenCache: PolicyTokenCache? = nil, now: Int64 = 0) {
        self.hasSignature = fields.contains("signature-input") || fields.contains("signature")
        self.malformed = nil
        self.accessToken = nil
        self.cachedToken = nil
        self.tokenScheme = .bearer
        self.proof = .missing
        self.apiKey = nil
        self.readAccessToken(fields, tokenCache: tokenCache, now: now)
        if self.tokenScheme == .dpop { self.readProof(fields) }
        self.readAPIKey(fields)
    }

    /// RFC 6750 §2.1: `Bearer` 1*SP b64token, or RFC 9449 §7.1: `DPoP` 1*SP b64token (schemes
    /// case-insensitive). Other schemes are ignored; two tokens (whatever their schemes), an
    /// empty one or one over `maxCredentialBytes` are malformed. Whether its bytes are all
    /// `b64token` is asked by the policy (`hasB64TokenAlphabet`), after the token cache: a token
    /// found there passed that test when it was first verified. A `Bearer` token the cache holds
    /// is not copied into a `String`; a `DPoP` one is (its proof signs the token's hash).
    private mutating func readAccessToken<Fields: RequestFields>(_ fields: Fields, tokenCache: PolicyTokenCache?, now: Int64) {
        var token: Substring?
        var cached: CachedToken?
        var scheme = TokenScheme.bearer
        var count = 0
        var wellFormed = true
        fields.forEachValue(of: "authorization") { value in
            let trimmed = ASCIIBytes.trimmingWhitespace(value)
            let schemeLength: Int
            if Self.hasBearerScheme(trimmed) {
                schemeLength = 6
                scheme = .bearer
            } else if Self.hasDPoPScheme(trimmed) {
                schemeLength = 4
                scheme = .dpop
            } else {
                return true
            }
            count += 1
            let credential = ASCIIBytes.trimmingWhitespace(UnsafeRawBufferPointer(rebasing: trimmed[schemeLength...]))
            if count == 1, !credential.isEmpty, credential.count <= Self.maxCredentialBytes {
                cached = tokenCache?.lookup(bytes: credential, now: now)
                if cached == nil || scheme == .dpop { token = Substring(String(decoding: credential, as: UTF8.self)) }
            } else {
                wellFormed = false
            }
            return true
        }
        guard count > 0 else { return }
        guard count == 1, wellFormed, token != nil || cached != nil else {
            self.malformed = .bearer
            return
        }
        self.accessToken = token
        self.cachedToken = cached
        self.tokenScheme = scheme
    }

    /// RFC 9449 §4.3 step 1: "there is not more than one DPoP HTTP request header field", and
    /// its value is a JWS (base64url parts and dots). Judged at the proof check, not here: a
    /// repeated or garbled proof is `invalid_dpop_proof`, not `malformed_credential`.
    private mutating func readProof<Fields: RequestFields>(_ fields: Fields) {
        var count = 0
        var value: Substring?
        var wellFormed = true
        fields.forEachValue(of: "dpop") { bytes in
            count += 1
            let trimmed = ASCIIBytes.trimmingWhitespace(bytes)
            guard count == 1, !trimmed.isEmpty, trimmed.count <= Self.maxCredentialBytes,
                trimmed.allSatisfy({ Base64URLBytes.isAlphabet($0) || $0 == UInt8(ascii: ".") })
            else {
                wellFormed = false
                return true
            }
            value = Substring(String(decoding: trimmed, as: UTF8.self))
            return true
        }
        switch (count, wellFormed, value) {
        case (0, _, _): self.proof = .missing
        case (1, true, let value?): self.proof = .one(value)
        case (1, _, _): self.proof = .malformed("the DPoP field is not a JWS")
        default: self.proof = .malformed("\(count) DPoP fields (RFC 9449 §4.3: not more than one)")
        }
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

    /// Whether `value` starts with the scheme `DPoP` (any case) followed by whitespace or nothing.
    static func hasDPoPScheme(_ value: UnsafeRawBufferPointer) -> Bool {
        guard value.count >= 4 else { return false }
        var index = 0
        for expected in "dpop".utf8 {
            guard value[index] | 0x20 == expected else { return false }
            index += 1
        }
        return index == value.count || value[index] == 0x20 || value[index] == 0x09
    }

    /// Whether `token` (an `accessToken`) is a `b64token` (`isB64Token`).
    static func hasB64TokenAlphabet(_ token: Substring) -> Bool {
        var token = token
        return token.withUTF8 { Self.isB64Token(UnsafeRawBufferPointer($0)) }
    }

    /// `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="` (RFC 6750 §2.1).
    ///
    /// Runs on every bearer request over a token of hundreds of bytes: the trailing `=`s are
    /// counted first, then the bytes before them are tested eight at a time (`isB64TokenWord`),
    /// and the last few one by one (a `switch` over the ranges cost about 16 instructions a byte).
    static func isB64Token(_ token: UnsafeRawBufferPointer) -> Bool {
        guard !token.isEmpty, token.count <= Self.maxCredentialBytes else { return false }
        var end = token.count
        while end > 0, token[end - 1] == UInt8(ascii: "=") { end -= 1 }
        guard end > 0 else { return false }
        var index = 0
        while end - index >= 8 {
            guard isB64TokenWord(token.loadUnaligned(fromByteOffset: index, as: UInt64.self)) else { return false }
            index += 8
        }
        while index < end {
            guard isB64TokenByte(token[index]) else { return false }
            index += 1
        }
        return true
    }

    /// Whether all eight bytes of `word` are `b64token` bytes before its padding, as a few
    /// word operations (SWAR) instead of eight byte tests. Once every byte is below 0x80, no
    /// byte-wise sum below carries into the next byte, so each byte's high bit says:
    /// `byte + (0x80 - low)` has it when `byte >= low`, `byte + (0x7F - high)` when
    /// `byte > high`, and `(byte ^ c) + 0x7F` or `byte ^ c` when `byte != c`.
    /// `PresentedCredentialsTests` holds it to the byte test for every byte in every position.
    @inline(__always)
    static func isB64TokenWord(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        guard word & highBits == 0 else { return false }
        @inline(__always) func within(_ low: UInt64, _ high: UInt64) -> UInt64 {
            (word &+ ones &* (0x80 - low)) & ~(word &+ ones &* (0x7F - high))
        }
        @inline(__always) func equal(_ byte: UInt64) -> UInt64 {
            let difference = word ^ (ones &* byte)
            return ~((difference &+ ones &* 0x7F) | difference)
        }
        let digitsAndPunctuation = within(0x2D, 0x39)  // - . / 0-9
        let letters = within(0x41, 0x5A) | within(0x61, 0x7A)
        let others = equal(0x2B) | equal(0x5F) | equal(0x7E)  // + _ ~
        return (digitsAndPunctuation | letters | others) & highBits == highBits
    }

    /// A byte of `b64token` before its padding: letters, digits and `-._~+/`.
    @inline(__always)
    static func isB64TokenByte(_ byte: UInt8) -> Bool {
        if byte < 64 { return (0x03FF_E800_0000_0000 as UInt64) >> byte & 1 == 1 }
        if byte < 128 { return (0x47FF_FFFE_87FF_FFFE as UInt64) >> (byte &- 64) & 1 == 1 }
        return false
    }
}

/// The base64url alphabet (RFC 4648 §5), byte by byte.
enum Base64URLBytes {
    @inline(__always)
    static func isAlphabet(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            return true
        default:
            return false
        }
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
