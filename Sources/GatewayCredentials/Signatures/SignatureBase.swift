import RawStructuredFieldValues

/// The signature base of RFC 9421 §2.5: one line per covered component,
/// `<identifier>: <value>\n`, then `"@signature-params": <inner list>` without a newline.
///
/// Used by the verifier and by `RequestSigner`, so both build the same bytes.
enum SignatureBase {
    /// Builds the base, or fails when a covered component cannot be derived from `request`
    /// (RFC 9421 §2.5: "If the component value cannot be determined, the signature base MUST NOT
    /// be created") — `bad_signature`, see `SignatureVerificationError`.
    ///
    /// - Parameters:
    ///   - components: the covered components, validated, in order.
    ///   - signatureParameters: the serialized inner list (`("@method" …);created=…`).
    static func build(
        _ request: SignedRequest,
        components: [ComponentIdentifier],
        signatureParameters: [UInt8]
    ) throws(SignatureVerificationError) -> [UInt8] {
        var base: [UInt8] = []
        base.reserveCapacity(64 * components.count + signatureParameters.count + 24)
        let target = DerivedComponents.target(request.target)
        for component in components {
            Self.appendIdentifier(component.item, to: &base)
            base.append(UInt8(ascii: ":"))
            base.append(UInt8(ascii: " "))
            try Self.appendValue(of: component, request, target, to: &base)
            base.append(UInt8(ascii: "\n"))
        }
        base.append(contentsOf: #""@signature-params": "#.utf8)
        base.append(contentsOf: signatureParameters)
        return base
    }

    private static func appendValue(
        of component: ComponentIdentifier,
        _ request: SignedRequest,
        _ target: DerivedComponents.Target,
        to base: inout [UInt8]
    ) throws(SignatureVerificationError) {
        switch component.kind {
        case .method:
            try Self.append(request.method, to: &base)
        case .targetURI:
            try Self.append(DerivedComponents.targetURI(request, target), to: &base)
        case .authority:
            try Self.append(DerivedComponents.authority(request.authority, scheme: request.scheme), to: &base)
        case .scheme:
            try Self.append(ASCII.lowercased(request.scheme), to: &base)
        case .requestTarget:
            try Self.append(request.target, to: &base)
        case .path:
            try Self.append(target.path, to: &base)
        case .query:
            base.append(UInt8(ascii: "?"))
            if let query = target.query { try Self.append(query, to: &base) }
        case .queryParam(let name):
            guard let value = DerivedComponents.queryParameter(name, in: target.query) else {
                throw .badSignature("covered query parameter \(name) is absent or repeated")
            }
            try Self.append(value, to: &base)
        case .field(let name, let form):
            try Self.appendField(name, form, request, to: &base)
        }
    }

    private static func appendField(
        _ name: String,
        _ form: ComponentIdentifier.FieldForm,
        _ request: SignedRequest,
        to base: inout [UInt8]
    ) throws(SignatureVerificationError) {
        if case .byteSequence = form {
            // §2.1.3: each line's value wrapped as a byte sequence, joined with ", ".
            let lines = request.fieldLines(name)
            guard !lines.isEmpty else { throw .badSignature("covered field \(name) is absent") }
            for (index, line) in lines.enumerated() {
                if index > 0 { base.append(contentsOf: ", ".utf8) }
                base.append(UInt8(ascii: ":"))
                base.append(contentsOf: Base64.encode(line.utf8).utf8)
                base.append(UInt8(ascii: ":"))
            }
            return
        }
        guard let value = request.fieldValue(name) else { throw .badSignature("covered field \(name) is absent") }
        switch form {
        case .plain, .byteSequence:
            try Self.append(value, to: &base)
        case .structured(let type):
            guard let serialized = StructuredFields.reserialize(value, as: type) else {
                throw .badSignature("covered field \(name);sf is not a valid structured field")
            }
            base.append(contentsOf: serialized)
        case .dictionaryMember(let key):
            guard let serialized = StructuredFields.serializedMember(key, ofDictionary: value) else {
                throw .badSignature("covered field \(name);key: no member \(key) in a valid dictionary")
            }
            base.append(contentsOf: serialized)
        }
    }

    /// Appends a component value. A line break would let a value forge further lines of the base,
    /// so one refuses the base (HTTP parsers reject them long before; this is defence in depth).
    @inline(__always)
    private static func append(_ value: some StringProtocol, to base: inout [UInt8]) throws(SignatureVerificationError)
    {
        for byte in value.utf8 {
            guard byte != 0x0A, byte != 0x0D else { throw .badSignature("a covered component holds a line break") }
            base.append(byte)
        }
    }

    /// A component identifier as RFC 8941 serializes it: a string and its parameters, which
    /// `ComponentIdentifier` has checked are strings or `true` (the forms §2.1 and §2.2 define).
    static func appendIdentifier(_ item: Item, to base: inout [UInt8]) {
        if case .string(let name) = item.rfc9651BareItem { Self.appendString(name, to: &base) }
        for (key, value) in item.rfc9651Parameters {
            base.append(UInt8(ascii: ";"))
            base.append(contentsOf: key.utf8)
            switch value {
            case .bool(true):
                break
            case .string(let text):
                base.append(UInt8(ascii: "="))
                Self.appendString(text, to: &base)
            default:
                // Not reached for validated identifiers; serialized generically all the same.
                var serializer = StructuredFieldValueSerializer()
                if let bytes = try? serializer.writeItemFieldValue(Item(bareItem: value, parameters: OrderedMap())) {
                    base.append(UInt8(ascii: "="))
                    base.append(contentsOf: bytes)
                }
            }
        }
    }

    /// RFC 8941 §4.1.6: a string in double quotes, `\` and `"` escaped.
    private static func appendString(_ text: String, to base: inout [UInt8]) {
        base.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            if byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\"") { base.append(UInt8(ascii: "\\")) }
            base.append(byte)
        }
        base.append(UInt8(ascii: "\""))
    }
}
