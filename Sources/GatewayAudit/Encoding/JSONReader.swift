/// A strict reader of one JSON text (RFC 8259 §2–§7) into a `JSONValue`, for the verifier and for
/// finding the last hash of an existing file. Not on the request path.
///
/// Written by hand rather than with `JSONSerialization`: that would turn integers into doubles,
/// accept duplicate names silently and bring Foundation into the module. It refuses what an
/// I-JSON (RFC 7493) producer cannot have written: invalid UTF-8, lone surrogates, duplicate
/// member names, integers beyond 2^53 − 1; and fractions, which audit records do not hold.
struct JSONReader {
    /// Why a text is not a JSON value the audit log could have written.
    struct Error: Swift.Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    private let bytes: [UInt8]
    private var index = 0
    /// Nesting limit, so a hostile line cannot exhaust the stack.
    private var depth = 0
    private static let maximumDepth = 64

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Parses `bytes` as one JSON value with optional surrounding whitespace.
    static func parse(_ bytes: some Collection<UInt8>) throws(Error) -> JSONValue {
        var reader = JSONReader(bytes: Array(bytes))
        reader.skipWhitespace()
        let value = try reader.readValue()
        reader.skipWhitespace()
        guard reader.index == reader.bytes.count else { throw Error("unexpected text after the JSON value") }
        return value
    }

    private var current: UInt8? { self.index < self.bytes.count ? self.bytes[self.index] : nil }

    private mutating func skipWhitespace() {
        while let byte = self.current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
            self.index += 1
        }
    }

    private mutating func expect(_ literal: StaticString, value: JSONValue) throws(Error) -> JSONValue {
        let matched = literal.withUTF8Buffer { literal in
            self.bytes.count - self.index >= literal.count
                && zip(literal, self.bytes[self.index...]).allSatisfy { $0 == $1 }
        }
        guard matched else { throw Error("invalid literal at offset \(self.index)") }
        self.index += literal.utf8CodeUnitCount
        return value
    }

    private mutating func readValue() throws(Error) -> JSONValue {
        guard let byte = self.current else { throw Error("unexpected end of text") }
        switch byte {
        case UInt8(ascii: "{"): return try self.readObject()
        case UInt8(ascii: "["): return try self.readArray()
        case UInt8(ascii: "\""): return .string(try self.readString())
        case UInt8(ascii: "t"): return try self.expect("true", value: .bool(true))
        case UInt8(ascii: "f"): return try self.expect("false", value: .bool(false))
        case UInt8(ascii: "n"): return try self.expect("null", value: .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try self.readNumber()
        default: throw Error("unexpected character at offset \(self.index)")
        }
    }

    private mutating func enter() throws(Error) {
        self.depth += 1
        guard self.depth <= Self.maximumDepth else { throw Error("nested too deeply") }
    }

    private mutating func readObject() throws(Error) -> JSONValue {
        try self.enter()
        defer { self.depth -= 1 }
        self.index += 1
        var members: [JSONValue.Member] = []
        var names = Set<String>()
        self.skipWhitespace()
        if self.current == UInt8(ascii: "}") {
            self.index += 1
            return .object(members)
        }
        while true {
            self.skipWhitespace()
            guard self.current == UInt8(ascii: "\"") else {
                throw Error("expected a member name at offset \(self.index)")
            }
            let name = try self.readString()
            guard names.insert(name).inserted else { throw Error("duplicate member name \"\(name)\"") }
            self.skipWhitespace()
            guard self.current == UInt8(ascii: ":") else { throw Error("expected ':' at offset \(self.index)") }
            self.index += 1
            self.skipWhitespace()
            members.append(JSONValue.Member(name: name, value: try self.readValue()))
            self.skipWhitespace()
            switch self.current {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "}"):
                self.index += 1
                return .object(members)
            default: throw Error("expected ',' or '}' at offset \(self.index)")
            }
        }
    }

    private mutating func readArray() throws(Error) -> JSONValue {
        try self.enter()
        defer { self.depth -= 1 }
        self.index += 1
        var elements: [JSONValue] = []
        self.skipWhitespace()
        if self.current == UInt8(ascii: "]") {
            self.index += 1
            return .array(elements)
        }
        while true {
            self.skipWhitespace()
            elements.append(try self.readValue())
            self.skipWhitespace()
            switch self.current {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "]"):
                self.index += 1
                return .array(elements)
            default: throw Error("expected ',' or ']' at offset \(self.index)")
            }
        }
    }

    private mutating func readNumber() throws(Error) -> JSONValue {
        let start = self.index
        var negative = false
        if self.current == UInt8(ascii: "-") {
            negative = true
            self.index += 1
        }
        var magnitude: Int64 = 0
        var digits = 0
        while let byte = self.current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
            if digits == 1 && magnitude == 0 { throw Error("leading zero in number at offset \(start)") }
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2, sum <= CanonicalJSON.maxSafeInteger else {
                throw Error("integer at offset \(start) is beyond 2^53 - 1 (RFC 7493 §2.2)")
            }
            magnitude = sum
            digits += 1
            self.index += 1
        }
        guard digits > 0 else { throw Error("invalid number at offset \(start)") }
        if let byte = self.current, byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
        {
            throw Error("non-integer number at offset \(start): audit records hold integers only")
        }
        return .integer(negative ? -magnitude : magnitude)
    }

    private mutating func readString() throws(Error) -> String {
        let start = self.index
        self.index += 1
        var decoded: [UInt8] = []
        while true {
            guard let byte = self.current else { throw Error("unterminated string at offset \(start)") }
            self.index += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let string = String(validating: decoded, as: UTF8.self) else {
                    throw Error("invalid UTF-8 in string at offset \(start)")
                }
                return string
            case UInt8(ascii: "\\"):
                try self.readEscape(into: &decoded)
            case 0x00..<0x20:
                throw Error("unescaped control character in string at offset \(self.index - 1)")
            default:
                // Copy the run of plain bytes in one go.
                let runStart = self.index - 1
                while self.index < self.bytes.count, Self.isPlain(self.bytes[self.index]) { self.index += 1 }
                decoded.append(contentsOf: self.bytes[runStart..<self.index])
            }
        }
    }

    private static func isPlain(_ byte: UInt8) -> Bool {
        byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\")
    }

    private mutating func readEscape(into decoded: inout [UInt8]) throws(Error) {
        guard let byte = self.current else { throw Error("unterminated escape") }
        self.index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(byte)
        case UInt8(ascii: "b"): decoded.append(0x08)
        case UInt8(ascii: "f"): decoded.append(0x0C)
        case UInt8(ascii: "n"): decoded.append(0x0A)
        case UInt8(ascii: "r"): decoded.append(0x0D)
        case UInt8(ascii: "t"): decoded.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try self.readHex4()
            if (0xD800..<0xDC00).contains(scalar) {
                guard self.current == UInt8(ascii: "\\"), self.index + 1 < self.bytes.count,
                    self.bytes[self.index + 1] == UInt8(ascii: "u")
                else { throw Error("lone surrogate escape") }
                self.index += 2
                let low = try self.readHex4()
                guard (0xDC00..<0xE000).contains(low) else { throw Error("lone surrogate escape") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw Error("lone surrogate escape")
            }
            guard let unicode = Unicode.Scalar(scalar), let encoded = UTF8.encode(unicode) else {
                throw Error("invalid \\u escape")
            }
            decoded.append(contentsOf: encoded)
        default:
            throw Error("invalid escape at offset \(self.index - 2)")
        }
    }

    private mutating func readHex4() throws(Error) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = self.current else { throw Error("unterminated \\u escape") }
            let nibble: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw Error("invalid \\u escape")
            }
            value = value << 4 | nibble
            self.index += 1
        }
        return value
    }
}
