/// A strict JSON text (RFC 8259) parsed into a flat list of tokens over its own bytes.
///
/// Written by hand for JOSE headers, claims sets and JWKs: `JSONDecoder` goes through `Data`,
/// builds a dictionary per object, silently keeps the last of duplicate member names, and costs
/// several microseconds per token. Here a document is two arrays: the bytes, with every string
/// unescaped in place (an escape is never shorter than what it stands for), and one token per
/// value, so a claim is read by comparing bytes and a Swift `String` is made only for the values
/// the caller keeps.
///
/// Stricter than RFC 8259 requires, as RFC 7515 §4 and RFC 8725 §3.12 ask of JOSE:
/// - duplicate member names in any object are an error (RFC 7515 §4: "MUST either reject");
/// - invalid UTF-8, unpaired surrogate escapes and unescaped control characters are errors;
/// - nesting deeper than `maxDepth` (16) is an error, and nothing may follow the root value but
///   whitespace (no byte order mark either).
struct JSONDocument: Sendable {
    enum Kind: UInt8, Sendable {
        case object, array, string, number, `true`, `false`, null
    }

    struct Token: Sendable {
        var kind: Kind
        /// string: first byte of the unescaped text; number: first character; others: unused.
        var start: Int32
        /// string: end of the unescaped text; number: end of its characters; others: unused.
        var end: Int32
        /// object: number of members; array: number of elements; others: 0.
        var count: Int32
        /// Index of the first token after this value and everything inside it.
        var next: Int32
    }

    /// Why a text is not accepted; `offset` is the byte where parsing stopped.
    struct ParseError: Error, Sendable, CustomStringConvertible {
        var offset: Int
        var reason: StaticString

        var description: String { "\(self.reason) at byte \(self.offset)" }
    }

    static let defaultMaxDepth = 16

    /// The text with every string unescaped in place; tokens point into it.
    private(set) var bytes: [UInt8]
    private(set) var tokens: [Token]

    /// Parses `text`; the root may be any value (callers check that it is an object).
    init(parsing text: [UInt8], maxDepth: Int = JSONDocument.defaultMaxDepth) throws(ParseError) {
        guard text.count < Int(Int32.max) else { throw ParseError(offset: 0, reason: "text too long") }
        var bytes = text
        var tokens: [Token] = []
        tokens.reserveCapacity(16)
        let result: ParseError? = bytes.withUnsafeMutableBufferPointer { buffer in
            var parser = Parser(bytes: buffer, maxDepth: maxDepth)
            do throws(ParseError) {
                parser.skipWhitespace()
                try parser.parseValue(depth: 0, into: &tokens)
                parser.skipWhitespace()
                if parser.position != buffer.count {
                    throw ParseError(offset: parser.position, reason: "unexpected data after the JSON value")
                }
                return nil
            } catch {
                return error
            }
        }
        if let result { throw result }
        self.bytes = bytes
        self.tokens = tokens
    }

    // MARK: Reading

    /// The root value's index.
    static let root = 0

    @inline(__always)
    func kind(_ index: Int) -> Kind { self.tokens[index].kind }

    /// The members of the object at `index`, as (key index, value index) pairs, in text order.
    func members(of index: Int) -> Members {
        Members(tokens: self.tokens, object: index)
    }

    /// The elements of the array at `index`, as value indices.
    func elements(of index: Int) -> Elements {
        Elements(tokens: self.tokens, array: index)
    }

    /// The value of the member named `name` in the object at `index`, if present.
    func member(_ name: StaticString, in index: Int) -> Int? {
        for (key, value) in self.members(of: index) where self.stringEquals(key, name) {
            return value
        }
        return nil
    }

    /// Whether the string at `index` is exactly `literal` (compared as bytes).
    @inline(__always)
    func stringEquals(_ index: Int, _ literal: StaticString) -> Bool {
        let token = self.tokens[index]
        let count = Int(token.end - token.start)
        guard token.kind == .string, count == literal.utf8CodeUnitCount else { return false }
        return self.bytes.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress! + Int(token.start)
            let literalBase = literal.utf8Start
            for offset in 0..<count where base[offset] != literalBase[offset] { return false }
            return true
        }
    }

    /// Whether the string at `index` equals `bytes`.
    func stringEquals(_ index: Int, _ other: some Collection<UInt8>) -> Bool {
        let token = self.tokens[index]
        guard token.kind == .string, Int(token.end - token.start) == other.count else { return false }
        return self.bytes[Int(token.start)..<Int(token.end)].elementsEqual(other)
    }

    /// The string at `index`, or nil when the value is not a string.
    func string(_ index: Int) -> String? {
        let token = self.tokens[index]
        guard token.kind == .string else { return nil }
        return self.bytes.withUnsafeBufferPointer { buffer in
            // Validated UTF-8 already: decoding repairs nothing.
            String(decoding: UnsafeBufferPointer(rebasing: buffer[Int(token.start)..<Int(token.end)]), as: UTF8.self)
        }
    }

    /// The bytes of the string at `index`, or nil when the value is not a string.
    func stringBytes(_ index: Int) -> ArraySlice<UInt8>? {
        let token = self.tokens[index]
        guard token.kind == .string else { return nil }
        return self.bytes[Int(token.start)..<Int(token.end)]
    }

    /// The characters of the number at `index` exactly as written (`42`, `-1.5e3`), or nil when the
    /// value is not a number.
    func numberText(_ index: Int) -> String? {
        let token = self.tokens[index]
        guard token.kind == .number else { return nil }
        return String(decoding: self.bytes[Int(token.start)..<Int(token.end)], as: UTF8.self)
    }

    /// The number at `index` as whole seconds, rounded down or up, or nil when the value is not a
    /// number or its integer part is beyond `Int64`. Exact: no detour through `Double`, so a
    /// NumericDate written `1.3008193805e9` or `1300819380.5` rounds as written (RFC 7519 §2
    /// allows non-integer NumericDates).
    func integer(_ index: Int, roundingUp: Bool) -> Int64? {
        let token = self.tokens[index]
        guard token.kind == .number else { return nil }
        return self.bytes.withUnsafeBufferPointer { buffer in
            JSONNumber.integer(
                UnsafeBufferPointer(rebasing: buffer[Int(token.start)..<Int(token.end)]),
                roundingUp: roundingUp
            )
        }
    }

    /// Member pairs of an object.
    struct Members: Sequence, IteratorProtocol {
        private let tokens: [Token]
        private var remaining: Int
        private var cursor: Int

        init(tokens: [Token], object: Int) {
            self.tokens = tokens
            let token = tokens[object]
            self.remaining = token.kind == .object ? Int(token.count) : 0
            self.cursor = object + 1
        }

        mutating func next() -> (key: Int, value: Int)? {
            guard self.remaining > 0 else { return nil }
            self.remaining -= 1
            let key = self.cursor
            let value = Int(self.tokens[key].next)
            self.cursor = Int(self.tokens[value].next)
            return (key, value)
        }
    }

    /// Element indices of an array.
    struct Elements: Sequence, IteratorProtocol {
        private let tokens: [Token]
        private var remaining: Int
        private var cursor: Int

        init(tokens: [Token], array: Int) {
            self.tokens = tokens
            let token = tokens[array]
            self.remaining = token.kind == .array ? Int(token.count) : 0
            self.cursor = array + 1
        }

        mutating func next() -> Int? {
            guard self.remaining > 0 else { return nil }
            self.remaining -= 1
            let element = self.cursor
            self.cursor = Int(self.tokens[element].next)
            return element
        }
    }
}

// MARK: - Parser

extension JSONDocument {
    private struct Parser {
        let bytes: UnsafeMutableBufferPointer<UInt8>
        let maxDepth: Int
        var position = 0

        init(bytes: UnsafeMutableBufferPointer<UInt8>, maxDepth: Int) {
            self.bytes = bytes
            self.maxDepth = maxDepth
        }

        @inline(__always)
        private func fail(_ reason: StaticString) -> ParseError {
            ParseError(offset: self.position, reason: reason)
        }

        /// RFC 8259 §2: space, tab, line feed, carriage return.
        @inline(__always)
        mutating func skipWhitespace() {
            while self.position < self.bytes.count {
                switch self.bytes[self.position] {
                case 0x20, 0x09, 0x0A, 0x0D: self.position += 1
                default: return
                }
            }
        }

        @inline(__always)
        private func peek() -> UInt8? {
            self.position < self.bytes.count ? self.bytes[self.position] : nil
        }

        mutating func parseValue(depth: Int, into tokens: inout [Token]) throws(ParseError) {
            guard let byte = self.peek() else { throw self.fail("unexpected end of JSON") }
            switch byte {
            case UInt8(ascii: "{"): try self.parseObject(depth: depth + 1, into: &tokens)
            case UInt8(ascii: "["): try self.parseArray(depth: depth + 1, into: &tokens)
            case UInt8(ascii: "\""): try self.parseString(into: &tokens)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try self.parseNumber(into: &tokens)
            case UInt8(ascii: "t"): try self.parseLiteral("true", kind: .true, into: &tokens)
            case UInt8(ascii: "f"): try self.parseLiteral("false", kind: .false, into: &tokens)
            case UInt8(ascii: "n"): try self.parseLiteral("null", kind: .null, into: &tokens)
            default: throw self.fail("unexpected character")
            }
        }

        private mutating func parseLiteral(
            _ literal: StaticString,
            kind: Kind,
            into tokens: inout [Token]
        ) throws(ParseError) {
            let count = literal.utf8CodeUnitCount
            guard self.bytes.count - self.position >= count else { throw self.fail("unexpected end of JSON") }
            for offset in 0..<count where self.bytes[self.position + offset] != literal.utf8Start[offset] {
                throw self.fail("invalid literal")
            }
            let start = Int32(self.position)
            self.position += count
            tokens.append(
                Token(kind: kind, start: start, end: Int32(self.position), count: 0, next: Int32(tokens.count + 1))
            )
        }

        private mutating func parseObject(depth: Int, into tokens: inout [Token]) throws(ParseError) {
            guard depth <= self.maxDepth else { throw self.fail("JSON nested too deeply") }
            let index = tokens.count
            tokens.append(Token(kind: .object, start: Int32(self.position), end: 0, count: 0, next: 0))
            self.position += 1
            self.skipWhitespace()
            var count: Int32 = 0
            if self.peek() == UInt8(ascii: "}") {
                self.position += 1
            } else {
                while true {
                    guard self.peek() == UInt8(ascii: "\"") else { throw self.fail("expected a member name") }
                    try self.parseString(into: &tokens)
                    self.skipWhitespace()
                    guard self.peek() == UInt8(ascii: ":") else { throw self.fail("expected ':'") }
                    self.position += 1
                    self.skipWhitespace()
                    try self.parseValue(depth: depth, into: &tokens)
                    count += 1
                    self.skipWhitespace()
                    guard let separator = self.peek() else { throw self.fail("unexpected end of JSON") }
                    self.position += 1
                    if separator == UInt8(ascii: "}") { break }
                    guard separator == UInt8(ascii: ",") else {
                        self.position -= 1
                        throw self.fail("expected ',' or '}'")
                    }
                    self.skipWhitespace()
                }
            }
            tokens[index].count = count
            tokens[index].end = Int32(self.position)
            tokens[index].next = Int32(tokens.count)
            if count > 1, self.hasDuplicateKeys(object: index, tokens: tokens) {
                throw ParseError(offset: Int(tokens[index].start), reason: "duplicate member name")
            }
        }

        /// RFC 7515 §4 / RFC 7519 §4: a JOSE header or claims set with duplicate member names
        /// must be rejected. Keys are compared after unescaping, so `"a"` and `"\u0061"` clash.
        private func hasDuplicateKeys(object: Int, tokens: [Token]) -> Bool {
            let count = Int(tokens[object].count)
            if count <= 16 {
                // Small objects (every real header and claims set): pairwise, no allocation.
                var outer = object + 1
                for index in 0..<count {
                    var inner = Self.nextMember(after: outer, tokens: tokens)
                    for _ in (index + 1)..<count {
                        if self.equalStrings(tokens[outer], tokens[inner]) { return true }
                        inner = Self.nextMember(after: inner, tokens: tokens)
                    }
                    outer = Self.nextMember(after: outer, tokens: tokens)
                }
                return false
            }
            // Large objects (possible in an attacker's header): sort and compare neighbours, so a
            // header of a thousand members costs O(n log n), not a million comparisons.
            var keys: [Token] = []
            keys.reserveCapacity(count)
            var cursor = object + 1
            for _ in 0..<count {
                keys.append(tokens[cursor])
                cursor = Self.nextMember(after: cursor, tokens: tokens)
            }
            keys.sort { self.lessThan($0, $1) }
            for index in 1..<keys.count where self.equalStrings(keys[index - 1], keys[index]) { return true }
            return false
        }

        /// The key index of the member after the one whose key is at `key`.
        @inline(__always)
        private static func nextMember(after key: Int, tokens: [Token]) -> Int {
            Int(tokens[Int(tokens[key].next)].next)
        }

        private func equalStrings(_ a: Token, _ b: Token) -> Bool {
            let count = Int(a.end - a.start)
            guard count == Int(b.end - b.start) else { return false }
            let base = self.bytes.baseAddress!
            return memoryEqual(base + Int(a.start), base + Int(b.start), count)
        }

        private func lessThan(_ a: Token, _ b: Token) -> Bool {
            let aCount = Int(a.end - a.start)
            let bCount = Int(b.end - b.start)
            if aCount != bCount { return aCount < bCount }
            let base = self.bytes.baseAddress!
            for offset in 0..<aCount {
                let x = base[Int(a.start) + offset]
                let y = base[Int(b.start) + offset]
                if x != y { return x < y }
            }
            return false
        }

        private mutating func parseArray(depth: Int, into tokens: inout [Token]) throws(ParseError) {
            guard depth <= self.maxDepth else { throw self.fail("JSON nested too deeply") }
            let index = tokens.count
            tokens.append(Token(kind: .array, start: Int32(self.position), end: 0, count: 0, next: 0))
            self.position += 1
            self.skipWhitespace()
            var count: Int32 = 0
            if self.peek() == UInt8(ascii: "]") {
                self.position += 1
            } else {
                while true {
                    try self.parseValue(depth: depth, into: &tokens)
                    count += 1
                    self.skipWhitespace()
                    guard let separator = self.peek() else { throw self.fail("unexpected end of JSON") }
                    self.position += 1
                    if separator == UInt8(ascii: "]") { break }
                    guard separator == UInt8(ascii: ",") else {
                        self.position -= 1
                        throw self.fail("expected ',' or ']'")
                    }
                    self.skipWhitespace()
                }
            }
            tokens[index].count = count
            tokens[index].end = Int32(self.position)
            tokens[index].next = Int32(tokens.count)
        }

        /// RFC 8259 §6.
        private mutating func parseNumber(into tokens: inout [Token]) throws(ParseError) {
            let start = self.position
            if self.peek() == UInt8(ascii: "-") { self.position += 1 }
            guard let first = self.peek(), isDigit(first) else { throw self.fail("invalid number") }
            self.position += 1
            if first != UInt8(ascii: "0") {
                while let byte = self.peek(), isDigit(byte) { self.position += 1 }
            }
            if self.peek() == UInt8(ascii: ".") {
                self.position += 1
                guard let byte = self.peek(), isDigit(byte) else { throw self.fail("invalid number") }
                while let byte = self.peek(), isDigit(byte) { self.position += 1 }
            }
            if let byte = self.peek(), byte | 0x20 == UInt8(ascii: "e") {
                self.position += 1
                if let sign = self.peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { self.position += 1 }
                guard let byte = self.peek(), isDigit(byte) else { throw self.fail("invalid number") }
                while let byte = self.peek(), isDigit(byte) { self.position += 1 }
            }
            tokens.append(
                Token(
                    kind: .number,
                    start: Int32(start),
                    end: Int32(self.position),
                    count: 0,
                    next: Int32(tokens.count + 1)
                )
            )
        }

        /// RFC 8259 §7, unescaping in place: the write cursor never passes the read cursor.
        private mutating func parseString(into tokens: inout [Token]) throws(ParseError) {
            self.position += 1  // opening quote
            let start = self.position
            var write = self.position
            let bytes = self.bytes
            let count = bytes.count
            // Fast path: plain ASCII before any escape needs no copying.
            while self.position < count {
                let byte = bytes[self.position]
                guard byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") else { break }
                self.position += 1
            }
            write = self.position
            while true {
                guard self.position < count else { throw self.fail("unterminated string") }
                let byte = bytes[self.position]
                if byte == UInt8(ascii: "\"") {
                    self.position += 1
                    break
                }
                if byte == UInt8(ascii: "\\") {
                    try self.unescape(write: &write)
                    continue
                }
                if byte < 0x20 { throw self.fail("control character in string") }
                if byte < 0x80 {
                    bytes[write] = byte
                    write += 1
                    self.position += 1
                    continue
                }
                let length = try self.utf8SequenceLength()
                for offset in 0..<length { bytes[write + offset] = bytes[self.position + offset] }
                write += length
                self.position += length
            }
            tokens.append(
                Token(kind: .string, start: Int32(start), end: Int32(write), count: 0, next: Int32(tokens.count + 1))
            )
        }

        /// Validates the multi-byte UTF-8 sequence at `position` (RFC 3629 §4: no overlong forms,
        /// no surrogates, nothing above U+10FFFF) and returns its length.
        private func utf8SequenceLength() throws(ParseError) -> Int {
            let bytes = self.bytes
            let lead = bytes[self.position]
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0:
                length = 3
                low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED:
                length = 3
                high = 0x9F
            case 0xF0:
                length = 4
                low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4:
                length = 4
                high = 0x8F
            default: throw self.fail("invalid UTF-8")
            }
            guard bytes.count - self.position >= length else { throw self.fail("invalid UTF-8") }
            let second = bytes[self.position + 1]
            guard second >= low, second <= high else { throw self.fail("invalid UTF-8") }
            for offset in 2..<max(2, length) where bytes[self.position + offset] & 0xC0 != 0x80 {
                throw self.fail("invalid UTF-8")
            }
            return length
        }

        private mutating func unescape(write: inout Int) throws(ParseError) {
            let bytes = self.bytes
            guard self.position + 1 < bytes.count else { throw self.fail("unterminated string") }
            let escaped = bytes[self.position + 1]
            let simple: UInt8
            switch escaped {
            case UInt8(ascii: "\""): simple = 0x22
            case UInt8(ascii: "\\"): simple = 0x5C
            case UInt8(ascii: "/"): simple = 0x2F
            case UInt8(ascii: "b"): simple = 0x08
            case UInt8(ascii: "f"): simple = 0x0C
            case UInt8(ascii: "n"): simple = 0x0A
            case UInt8(ascii: "r"): simple = 0x0D
            case UInt8(ascii: "t"): simple = 0x09
            case UInt8(ascii: "u"):
                var scalar = try self.hexQuad(at: self.position + 2)
                self.position += 6
                if scalar >= 0xDC00, scalar <= 0xDFFF { throw self.fail("unpaired surrogate escape") }
                if scalar >= 0xD800, scalar <= 0xDBFF {
                    // A UTF-16 surrogate pair: the low half must follow as another \u escape.
                    guard self.position + 1 < bytes.count, bytes[self.position] == UInt8(ascii: "\\"),
                        bytes[self.position + 1] == UInt8(ascii: "u")
                    else { throw self.fail("unpaired surrogate escape") }
                    let low = try self.hexQuad(at: self.position + 2)
                    guard low >= 0xDC00, low <= 0xDFFF else { throw self.fail("unpaired surrogate escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    self.position += 6
                }
                write += encodeUTF8(scalar, into: bytes, at: write)
                return
            default:
                throw self.fail("invalid escape")
            }
            bytes[write] = simple
            write += 1
            self.position += 2
        }

        private func hexQuad(at offset: Int) throws(ParseError) -> UInt32 {
            guard offset + 4 <= self.bytes.count else { throw self.fail("invalid \\u escape") }
            var value: UInt32 = 0
            for index in offset..<offset + 4 {
                let byte = self.bytes[index]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw ParseError(offset: index, reason: "invalid \\u escape")
                }
                value = value << 4 | UInt32(digit)
            }
            return value
        }
    }
}

@inline(__always)
private func isDigit(_ byte: UInt8) -> Bool {
    byte &- UInt8(ascii: "0") < 10
}

@inline(__always)
private func memoryEqual(_ a: UnsafeMutablePointer<UInt8>, _ b: UnsafeMutablePointer<UInt8>, _ count: Int) -> Bool {
    for offset in 0..<count where a[offset] != b[offset] { return false }
    return true
}

/// Writes `scalar` as UTF-8 at `offset`; returns the number of bytes written (1–4).
private func encodeUTF8(_ scalar: UInt32, into bytes: UnsafeMutableBufferPointer<UInt8>, at offset: Int) -> Int {
    switch scalar {
    case 0..<0x80:
        bytes[offset] = UInt8(scalar)
        return 1
    case 0x80..<0x800:
        bytes[offset] = UInt8(0xC0 | scalar >> 6)
        bytes[offset + 1] = UInt8(0x80 | scalar & 0x3F)
        return 2
    case 0x800..<0x10000:
        bytes[offset] = UInt8(0xE0 | scalar >> 12)
        bytes[offset + 1] = UInt8(0x80 | scalar >> 6 & 0x3F)
        bytes[offset + 2] = UInt8(0x80 | scalar & 0x3F)
        return 3
    default:
        bytes[offset] = UInt8(0xF0 | scalar >> 18)
        bytes[offset + 1] = UInt8(0x80 | scalar >> 12 & 0x3F)
        bytes[offset + 2] = UInt8(0x80 | scalar >> 6 & 0x3F)
        bytes[offset + 3] = UInt8(0x80 | scalar & 0x3F)
        return 4
    }
}
