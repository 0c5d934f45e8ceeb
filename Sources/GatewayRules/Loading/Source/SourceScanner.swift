/// One pass over a TOML text recording where keys, headers and array elements are.
///
/// Hand-written: TOMLKit (toml++) keeps source positions but does not expose them. The scanner
/// runs only on text the TOML parser has accepted, so it follows the grammar loosely (TOML 1.0:
/// `[table]` and `[[array]]` headers, dotted and quoted keys, inline tables, multi-line arrays and
/// strings, comments); whatever it meets, it always moves forward.
struct SourceScanner {
    private let bytes: [UInt8]
    private var offset = 0
    private var line = 1
    private var column = 1
    /// The label-free path of the current `[table]` / `[[array]]` entry.
    private var tablePath = ""
    /// How many `[[x]]` entries each array of tables has had so far.
    private var arrayCounts: [String: Int] = [:]
    private var entries: [String: SourceIndex.Entry] = [:]

    init(bytes: [UInt8]) {
        self.bytes = bytes
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { self.offset = 3 }
    }

    mutating func scan() -> [String: SourceIndex.Entry] {
        while let byte = self.peek() {
            let start = self.offset
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"): self.advance()
            case UInt8(ascii: "#"): self.skipComment()
            case UInt8(ascii: "["): self.header()
            default: self.keyValue(in: self.tablePath)
            }
            if self.offset == start { self.advance() }
        }
        return self.entries
    }

    // MARK: Grammar

    /// `[a.b]` or `[[a.b]]`: sets the current table, counting array entries.
    private mutating func header() {
        let start = self.position
        let isArray = self.peek(1) == UInt8(ascii: "[")
        self.advance(isArray ? 2 : 1)
        let keys = self.dottedKey()
        var path = ""
        for (index, key) in keys.enumerated() {
            path = Self.join(path, KeyPath.quotedIfNeeded(key.name))
            if isArray, index == keys.count - 1 {
                let count = self.arrayCounts[path, default: 0] + 1
                self.arrayCounts[path] = count
                self.record(path, key: start, value: start)
                path += "[\(count)]"
            } else if let count = self.arrayCounts[path] {
                path += "[\(count)]"
            }
            self.record(path, key: start, value: start)
        }
        self.tablePath = path
        self.skipSpaces()
        while self.peek() == UInt8(ascii: "]") { self.advance() }
    }

    /// `a.b = value`, recorded under `prefix`.
    private mutating func keyValue(in prefix: String) {
        let keys = self.dottedKey()
        guard let last = keys.last else { return }
        self.skipSpaces()
        if self.peek() == UInt8(ascii: "=") { self.advance() }
        self.skipSpaces()
        var path = prefix
        for key in keys.dropLast() {
            path = Self.join(path, KeyPath.quotedIfNeeded(key.name))
            self.record(path, key: key.position, value: key.position)
        }
        path = Self.join(path, KeyPath.quotedIfNeeded(last.name))
        self.record(path, key: last.position, value: self.position)
        self.value(at: path)
    }

    /// Skips one value, recording array elements and inline-table keys under `path`.
    private mutating func value(at path: String) {
        switch self.peek() {
        case UInt8(ascii: "\""), UInt8(ascii: "'"): self.skipString()
        case UInt8(ascii: "["): self.array(at: path)
        case UInt8(ascii: "{"): self.inlineTable(at: path)
        default: self.skipScalar()
        }
    }

    private mutating func array(at path: String) {
        self.advance()
        var count = 0
        while let byte = self.skipBlank() {
            switch byte {
            case UInt8(ascii: "]"):
                self.advance()
                return
            case UInt8(ascii: ","):
                self.advance()
            default:
                count += 1
                let element = "\(path)[\(count)]"
                self.record(element, key: self.position, value: self.position)
                let start = self.offset
                self.value(at: element)
                if self.offset == start { self.advance() }
            }
        }
    }

    private mutating func inlineTable(at path: String) {
        self.advance()
        while let byte = self.skipBlank() {
            switch byte {
            case UInt8(ascii: "}"):
                self.advance()
                return
            case UInt8(ascii: ","):
                self.advance()
            default:
                let start = self.offset
                self.keyValue(in: path)
                if self.offset == start { self.advance() }
            }
        }
    }

    /// Simple keys separated by dots: bare, `"basic"` or `'literal'`.
    private mutating func dottedKey() -> [(name: String, position: SourcePosition)] {
        var keys: [(name: String, position: SourcePosition)] = []
        repeat {
            if !keys.isEmpty { self.advance() }
            self.skipSpaces()
            let position = self.position
            guard let name = self.simpleKey() else { break }
            keys.append((name, position))
            self.skipSpaces()
        } while self.peek() == UInt8(ascii: ".")
        return keys
    }

    private mutating func simpleKey() -> String? {
        switch self.peek() {
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            let start = self.offset
            self.skipString()
            return Self.unquote(self.bytes[start..<self.offset])
        default:
            let start = self.offset
            while let byte = self.peek(), Self.isBareKeyByte(byte) { self.advance() }
            return self.offset > start ? String(decoding: self.bytes[start..<self.offset], as: UTF8.self) : nil
        }
    }

    // MARK: Skipping

    /// Skips a basic, literal or multi-line string (the opening quote is at the current byte).
    private mutating func skipString() {
        guard let quote = self.peek() else { return }
        let isMultiline = self.peek(1) == quote && self.peek(2) == quote
        self.advance(isMultiline ? 3 : 1)
        while let byte = self.peek() {
            if byte == UInt8(ascii: "\\"), quote == UInt8(ascii: "\"") {
                self.advance(2)
            } else if byte == quote, !isMultiline || (self.peek(1) == quote && self.peek(2) == quote) {
                self.advance(isMultiline ? 3 : 1)
                while isMultiline, self.peek() == quote { self.advance() }
                return
            } else if byte == UInt8(ascii: "\n"), !isMultiline {
                return
            } else {
                self.advance()
            }
        }
    }

    private mutating func skipScalar() {
        while let byte = self.peek(), !",]}#\n".utf8.contains(byte) { self.advance() }
    }

    private mutating func skipComment() {
        while let byte = self.peek(), byte != UInt8(ascii: "\n") { self.advance() }
    }

    private mutating func skipSpaces() {
        while self.peek() == UInt8(ascii: " ") || self.peek() == UInt8(ascii: "\t") { self.advance() }
    }

    /// Skips spaces, newlines and comments; returns the next byte.
    private mutating func skipBlank() -> UInt8? {
        while let byte = self.peek() {
            if byte == UInt8(ascii: "#") {
                self.skipComment()
            } else if " \t\r\n".utf8.contains(byte) {
                self.advance()
            } else {
                return byte
            }
        }
        return nil
    }

    // MARK: Bytes and positions

    private var position: SourcePosition { SourcePosition(line: self.line, column: self.column) }

    private func peek(_ ahead: Int = 0) -> UInt8? {
        self.offset + ahead < self.bytes.count ? self.bytes[self.offset + ahead] : nil
    }

    /// Moves past `count` bytes, counting lines and (scalar-start bytes only) columns.
    private mutating func advance(_ count: Int = 1) {
        for _ in 0..<count {
            guard let byte = self.peek() else { return }
            self.offset += 1
            if byte == UInt8(ascii: "\n") {
                self.line += 1
                self.column = 1
            } else if byte & 0xC0 != 0x80 {
                self.column += 1
            }
        }
    }

    private mutating func record(_ path: String, key: SourcePosition, value: SourcePosition) {
        if self.entries[path] == nil {
            self.entries[path] = SourceIndex.Entry(key: key, value: value)
        }
    }

    private static func join(_ prefix: String, _ key: String) -> String {
        prefix.isEmpty ? key : prefix + "." + key
    }

    private static func isBareKeyByte(_ byte: UInt8) -> Bool {
        ASCII.isLetter(byte) || ASCII.isDigit(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    /// The text of a quoted key; only `\"` and `\\` escapes are undone (enough to name keys).
    private static func unquote(_ quoted: ArraySlice<UInt8>) -> String {
        let inner = quoted.dropFirst().dropLast()
        guard quoted.first == UInt8(ascii: "\"") else { return String(decoding: inner, as: UTF8.self) }
        var result: [UInt8] = []
        var escaped = false
        for byte in inner {
            if !escaped, byte == UInt8(ascii: "\\") {
                escaped = true
                continue
            }
            escaped = false
            result.append(byte)
        }
        return String(decoding: result, as: UTF8.self)
    }
}
