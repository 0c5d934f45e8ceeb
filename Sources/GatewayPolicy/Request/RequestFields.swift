public import NIOHTTP1

/// The header fields of a request as the policy reads them, whatever carried them: an HTTP/1.1
/// head parsed in place (byte ranges into the received buffer), an HTTP/2 header block, or
/// `HTTPHeaders` for `gateway explain` and tests.
///
/// The policy asks for a handful of fields by name (`authorization`, `x-api-key`,
/// `signature-input`, …) on every request, so the lookups take lowercase static names and hand
/// out bytes: no `String` is made for a field the policy only looks at. `allFields` allocates,
/// and is read only for a signed request (its signature base names fields of its choosing).
public protocol RequestFields {
    /// Whether a field named `lowercaseName` is present (names compare ASCII-case-insensitively).
    func contains(_ lowercaseName: StaticString) -> Bool

    /// Calls `body` with the bytes of each value of the fields named `lowercaseName`, in order,
    /// until it returns false.
    func forEachValue(of lowercaseName: StaticString, _ body: (UnsafeRawBufferPointer) -> Bool)

    /// The first value of the fields named `lowercaseName`, as a string.
    func firstString(_ lowercaseName: StaticString) -> String?

    /// Every field, in order, as strings (for an RFC 9421 signature base).
    var allFields: [(name: String, value: String)] { get }
}

extension RequestFields {
    /// The number of fields named `lowercaseName`.
    public func count(of lowercaseName: StaticString) -> Int {
        var count = 0
        self.forEachValue(of: lowercaseName) { _ in
            count += 1
            return true
        }
        return count
    }

    /// Every value of the fields named `lowercaseName`, as strings.
    public func strings(_ lowercaseName: StaticString) -> [String] {
        var values: [String] = []
        self.forEachValue(of: lowercaseName) { bytes in
            values.append(String(decoding: bytes, as: UTF8.self))
            return true
        }
        return values
    }
}

extension HTTPHeaders: RequestFields {
    public func contains(_ lowercaseName: StaticString) -> Bool {
        self.contains(name: lowercaseName.description)
    }

    public func forEachValue(of lowercaseName: StaticString, _ body: (UnsafeRawBufferPointer) -> Bool) {
        for value in self[lowercaseName.description] {
            var value = value
            let goOn = value.withUTF8 { body(UnsafeRawBufferPointer($0)) }
            if !goOn { return }
        }
    }

    public func firstString(_ lowercaseName: StaticString) -> String? {
        self.first(name: lowercaseName.description)
    }

    public var allFields: [(name: String, value: String)] {
        self.map { (name: $0.name, value: $0.value) }
    }
}
