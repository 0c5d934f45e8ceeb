/// Reads `api_keys_file` text that keeps to the plain layout such files have, without TOMLKit.
///
/// toml++ (under TOMLKit) takes about a second for 100,000 `[[api_keys]]` entries and TOMLKit
/// copies every value through C strings; this parser takes a small fraction of that. It accepts a
/// strict subset of TOML 1.0: `[[api_keys]]` headers, `bare_key = value` lines, comments, and values
/// that are basic or literal strings without escapes, decimal integers, booleans, and arrays of such
/// strings (across lines too). On anything else — another header, an escape, a date, a float, a
/// dotted or quoted key, a repeated key — it gives up and returns nil, and the caller parses the
/// text with TOMLKit, whose answer (and syntax errors) then stand. So it never accepts text TOMLKit
/// would refuse, and never reads a value differently.
struct FastAPIKeysParser {
    private let bytes: [UInt8]
    private var index = 0

    /// The text as a table (`api_keys` holding the entries), or nil when it leaves the subset.
    static func parse(_ text: String) -> TOMLNode.Table? {
        var parser = FastAPIKeysParser(bytes: Array(text.utf8))
        return parser.document()
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { self.index = 3 }
    }

    private mutating func document() -> TOMLNode.Table? {
        var root = TOMLNode.Table()
        var entries: [TOMLNode] = []
        var current: TOMLNode.Table?
        while let byte = self.skipSpaces() {
            switch byte {
            case Byte.newline, Byte.carriageReturn, Byte.hash:
                guard self.endOfLine() else { return nil }
            case Byte.openBracket:
                guard self.header() else { return nil }
                if let finished = current { entries.append(.table(finished)) }
                current = TOMLNode.Table(capacity: 6)
            default:
                guard let (key, value) = self.keyValue() else { return nil }
                if current == nil {
                    guard root.insert(value, at: key) else { return nil }
                } else {
                    guard current!.insert(value, at: key) else { return nil }
                }
            }
        }
        if let finished = current { entries.append(.table(finished)) }
        guard entries.isEmpty || root.insert(.array(entries), at: "api_keys") else { return nil }
        return root
    }

    /// Exactly `[[api_keys]]`, then the end of the line.
    private mutating func header() -> Bool {
        let header = Array("[[api_keys]]".utf8)
        guard self.bytes[self.index...].starts(with: header) else { return false }
        self.index += header.count
        return self.endOfLine()
    }

    /// `bare_key = value` and the end of its line.
    private mutating func keyValue() -> (String, TOMLNode)? {
        let start = self.index
        while self.index < self.bytes.count, Byte.isBareKey(self.bytes[self.index]) { self.index += 1 }
        guard self.index > start else { return nil }
        let key = String(decoding: self.bytes[start..<self.index], as: UTF8.self)
        guard self.skipSpaces() == Byte.equals else { return nil }
        self.index += 1
        _ = self.skipSpaces()
        guard let value = self.value(), self.endOfLine() else { return nil }
        return (key, value)
    }

    private mutating func value() -> TOMLNode? {
        guard self.index < self.bytes.count else { return nil }
        switch self.bytes[self.index] {
        case Byte.quote, Byte.apostrophe: return self.string().map(TOMLNode.string)
        case Byte.openBracket: return self.stringArray()
        case UInt8(ascii: "t"): return self.word("true") ? .boolean(true) : nil
        case UInt8(ascii: "f"): return self.word("false") ? .boolean(false) : nil
        default: return self.integer().map(TOMLNode.integer)
        }
    }

    /// A single-line basic or literal string without escapes or control characters.
    private mutating func string() -> String? {
        let quote = self.bytes[self.index]
        let start = self.index + 1
        var end = start
        while end < self.bytes.count, self.bytes[end] != quote {
            let byte = self.bytes[end]
            if byte == Byte.backslash || (byte < 0x20 && byte != Byte.tab) || byte == 0x7F { return nil }
            end += 1
        }
        // Not closed, or an empty string that opens a multi-line one (`""""…`).
        guard end < self.bytes.count, !(end == start && end + 1 < self.bytes.count && self.bytes[end + 1] == quote)
        else { return nil }
        self.index = end + 1
        return String(decoding: self.bytes[start..<end], as: UTF8.self)
    }

    /// `[ "a", 'b', ]`, possibly across lines with comments.
    private mutating func stringArray() -> TOMLNode? {
        self.index += 1
        var elements: [TOMLNode] = []
        while true {
            guard let byte = self.skipBlank() else { return nil }
            if byte == Byte.closeBracket {
                self.index += 1
                return .array(elements)
            }
            guard byte == Byte.quote || byte == Byte.apostrophe, let text = self.string() else { return nil }
            elements.append(.string(text))
            guard let next = self.skipBlank() else { return nil }
            if next == Byte.comma {
                self.index += 1
            } else if next != Byte.closeBracket {
                return nil
            }
        }
    }

    /// A decimal integer without leading zeros, underscores or overflow.
    private mutating func integer() -> Int? {
        var end = self.index
        let negative = self.bytes[end] == UInt8(ascii: "-")
        if negative || self.bytes[end] == UInt8(ascii: "+") { end += 1 }
        let digitsStart = end
        while end < self.bytes.count, ASCII.isDigit(self.bytes[end]) { end += 1 }
        let digits = self.bytes[digitsStart..<end]
        guard !digits.isEmpty, digits.count == 1 || digits.first != UInt8(ascii: "0"), self.isDelimiter(at: end),
            let magnitude = ASCII.decimal(digits)
        else { return nil }
        self.index = end
        return negative ? -magnitude : magnitude
    }

    private mutating func word(_ word: String) -> Bool {
        let utf8 = Array(word.utf8)
        guard self.bytes[self.index...].starts(with: utf8), self.isDelimiter(at: self.index + utf8.count) else {
            return false
        }
        self.index += utf8.count
        return true
    }

    private func isDelimiter(at offset: Int) -> Bool {
        offset == self.bytes.count
            || [Byte.space, Byte.tab, Byte.newline, Byte.carriageReturn, Byte.hash].contains(self.bytes[offset])
    }

    /// Spaces, then an optional comment, then a newline or the end of the text.
    private mutating func endOfLine() -> Bool {
        _ = self.skipSpaces()
        if self.index < self.bytes.count, self.bytes[self.index] == Byte.hash, !self.skipComment() { return false }
        guard self.index < self.bytes.count else { return true }
        if self.bytes[self.index] == Byte.carriageReturn {
            self.index += 1
            guard self.index < self.bytes.count, self.bytes[self.index] == Byte.newline else { return false }
        }
        guard self.bytes[self.index] == Byte.newline else { return false }
        self.index += 1
        return true
    }

    /// Moves past a comment to its newline; false on a control character TOML forbids there.
    private mutating func skipComment() -> Bool {
        while self.index < self.bytes.count, self.bytes[self.index] != Byte.newline {
            let byte = self.bytes[self.index]
            if (byte < 0x20 && byte != Byte.tab && byte != Byte.carriageReturn) || byte == 0x7F { return false }
            self.index += 1
        }
        return true
    }

    /// Skips spaces and tabs; returns the next byte.
    private mutating func skipSpaces() -> UInt8? {
        while self.index < self.bytes.count, self.bytes[self.index] == Byte.space || self.bytes[self.index] == Byte.tab
        {
            self.index += 1
        }
        return self.index < self.bytes.count ? self.bytes[self.index] : nil
    }

    /// Skips whitespace, newlines and comments (inside arrays); returns the next byte.
    private mutating func skipBlank() -> UInt8? {
        while let byte = self.skipSpaces() {
            if byte == Byte.hash {
                guard self.skipComment() else { return nil }
            } else if byte == Byte.newline {
                self.index += 1
            } else if byte == Byte.carriageReturn {
                guard self.index + 1 < self.bytes.count, self.bytes[self.index + 1] == Byte.newline else { return nil }
                self.index += 2
            } else {
                return byte
            }
        }
        return nil
    }
}

/// The bytes the fast parser looks for.
private enum Byte {
    static let newline = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let hash = UInt8(ascii: "#")
    static let equals = UInt8(ascii: "=")
    static let comma = UInt8(ascii: ",")
    static let quote = UInt8(ascii: "\"")
    static let apostrophe = UInt8(ascii: "'")
    static let backslash = UInt8(ascii: "\\")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")

    static func isBareKey(_ byte: UInt8) -> Bool {
        ASCII.isLetter(byte) || ASCII.isDigit(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }
}
