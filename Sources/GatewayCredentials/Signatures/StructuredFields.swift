import RawStructuredFieldValues

/// RFC 8941 structured fields through apple/swift-http-structured-headers' raw parser and
/// serializer (its `RawStructuredFieldValues` module, which the `StructuredFieldValues` product
/// brings; the Codable layer is not used on the request path).
enum StructuredFields {
    static func dictionary(_ value: String) -> OrderedMap<String, ItemOrInnerList>? {
        Self.parse(value) { parser in try parser.parseDictionaryFieldValue() }
    }

    /// `value` parsed as `type` and serialized again (RFC 9421 §2.1.1 `;sf`).
    static func reserialize(_ value: String, as type: StructuredFieldType) -> [UInt8]? {
        var serializer = StructuredFieldValueSerializer()
        switch type {
        case .dictionary:
            guard let parsed = Self.dictionary(value) else { return nil }
            return try? serializer.writeDictionaryFieldValue(parsed)
        case .list:
            guard let parsed = Self.parse(value, { parser in try parser.parseListFieldValue() }) else { return nil }
            return try? serializer.writeListFieldValue(parsed)
        case .item:
            guard let parsed = Self.parse(value, { parser in try parser.parseItemFieldValue() }) else { return nil }
            return try? serializer.writeItemFieldValue(parsed)
        }
    }

    /// The member `key` of the dictionary `value`, serialized on its own (RFC 9421 §2.1.2 `;key`).
    static func serializedMember(_ key: String, ofDictionary value: String) -> [UInt8]? {
        guard let member = Self.dictionary(value)?[key] else { return nil }
        return Self.serialize(member)
    }

    /// An item or an inner list with its parameters, as a dictionary member value serializes.
    static func serialize(_ member: ItemOrInnerList) -> [UInt8]? {
        var serializer = StructuredFieldValueSerializer()
        switch member {
        case .item(let item): return try? serializer.writeItemFieldValue(item)
        case .innerList(let list): return try? serializer.writeListFieldValue([.innerList(list)])
        }
    }

    private static func parse<T>(
        _ value: String,
        _ body: (inout StructuredFieldValueParser<UnsafeBufferPointer<UInt8>>) throws -> T
    ) -> T? {
        var value = value
        return value.withUTF8 { bytes in
            var parser = StructuredFieldValueParser(bytes)
            return try? body(&parser)
        }
    }
}
