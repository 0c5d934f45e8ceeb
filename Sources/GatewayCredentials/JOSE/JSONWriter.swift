/// Writes the small JSON objects the signer produces (JOSE headers, claims sets), members in the
/// order given. Public for the token endpoint's responses (RFC 6749 §5.1, §5.2): one writer, one
/// set of escaping rules.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = [UInt8(ascii: "{")]
    private var first = true

    public init() {
        self.bytes.reserveCapacity(256)
    }

    public mutating func member(_ name: String, string value: String) {
        self.name(name)
        Self.appendString(value, to: &self.bytes)
    }

    public mutating func member(_ name: String, integer value: Int64) {
        self.name(name)
        self.bytes.append(contentsOf: String(value).utf8)
    }

    public mutating func member(_ name: String, strings values: [String]) {
        self.name(name)
        self.bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { self.bytes.append(UInt8(ascii: ",")) }
            Self.appendString(value, to: &self.bytes)
        }
        self.bytes.append(UInt8(ascii: "]"))
    }

    /// A member whose value is another object (`"cnf":{"jkt":…}`, a JOSE header's `jwk`).
    public mutating func member(_ name: String, object: JSONWriter) {
        self.name(name)
        var object = object
        self.bytes.append(contentsOf: object.finish())
    }

    public mutating func finish() -> [UInt8] {
        self.bytes.append(UInt8(ascii: "}"))
        return self.bytes
    }

    private mutating func name(_ name: String) {
        if !self.first { self.bytes.append(UInt8(ascii: ",")) }
        self.first = false
        Self.appendString(name, to: &self.bytes)
        self.bytes.append(UInt8(ascii: ":"))
    }

    /// RFC 8259 §7: `"` and `\` escaped, control characters as `\u00XX`; everything else as UTF-8.
    static func appendString(_ value: String, to bytes: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(byte)
            case 0x0A:
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0..<0x20:
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0x0F)])
            default:
                bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
