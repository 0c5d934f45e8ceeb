/// A parsed JSON value (RFC 8259) as the verifier needs it: enough to re-encode any audit line in
/// canonical form (RFC 8785) and so recompute its hash from the line alone, including members a
/// later version of the gateway might add.
///
/// Numbers are integers only: records hold no fractions, and an integer outside the I-JSON range
/// (RFC 7493 §2.2) or a fraction is refused rather than rounded as a double would be.
indirect enum JSONValue: Equatable {
    /// One member of an object (a struct rather than a tuple: cheaper to sort and compare).
    struct Member: Equatable {
        var name: String
        var value: JSONValue
    }

    case null
    case bool(Bool)
    case integer(Int64)
    case string(String)
    case array([JSONValue])
    /// Members in the order the text had them; names are unique (RFC 7493 §2.3).
    case object([Member])

    /// The value of member `name` of an object.
    subscript(member name: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.name == name }?.value
    }

    /// The object without member `name`.
    func removingMember(_ name: String) -> JSONValue {
        guard case .object(let members) = self else { return self }
        return .object(members.filter { $0.name != name })
    }

    /// Appends the RFC 8785 canonical form: members sorted by UTF-16 code units, no whitespace,
    /// strings escaped as JCS requires, integers in plain decimal.
    func appendCanonical(to buffer: inout [UInt8]) {
        switch self {
        case .null:
            CanonicalJSON.appendRaw("null", to: &buffer)
        case .bool(let value):
            if value {
                CanonicalJSON.appendRaw("true", to: &buffer)
            } else {
                CanonicalJSON.appendRaw("false", to: &buffer)
            }
        case .integer(let value):
            CanonicalJSON.appendInteger(value, to: &buffer)
        case .string(let value):
            CanonicalJSON.appendString(value, to: &buffer)
        case .array(let elements):
            buffer.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                element.appendCanonical(to: &buffer)
            }
            buffer.append(UInt8(ascii: "]"))
        case .object(let members):
            buffer.append(UInt8(ascii: "{"))
            let sorted = members.sorted { CanonicalJSON.precedes($0.name, $1.name) }
            for (index, member) in sorted.enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                CanonicalJSON.appendString(member.name, to: &buffer)
                buffer.append(UInt8(ascii: ":"))
                member.value.appendCanonical(to: &buffer)
            }
            buffer.append(UInt8(ascii: "}"))
        }
    }

    /// The canonical form as bytes.
    var canonicalBytes: [UInt8] {
        var bytes: [UInt8] = []
        self.appendCanonical(to: &bytes)
        return bytes
    }
}
