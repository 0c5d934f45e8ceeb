public import GatewayHTTP1
public import GatewayPolicy

/// An HTTP/1.1 head parsed in place, as the policy reads it: lookups compare names as bytes in
/// the received buffer, and only values the policy keeps become strings. Public for the
/// benchmarks, which judge parsed heads as the proxy does.
public struct HTTP1RequestFields: RequestFields {
    let fields: HTTP1Fields

    public init(_ fields: HTTP1Fields) {
        self.fields = fields
    }

    public func contains(_ lowercaseName: StaticString) -> Bool {
        self.fields.contains(lowercaseName)
    }

    public func forEachValue(of lowercaseName: StaticString, _ body: (UnsafeRawBufferPointer) -> Bool) {
        self.fields.forEachValue(of: lowercaseName, body)
    }

    public func firstString(_ lowercaseName: StaticString) -> String? {
        self.fields.first(lowercaseName).map { self.fields.string($0) }
    }

    public var allFields: [(name: String, value: String)] {
        self.fields.map { (name: self.fields.string($0.name), value: self.fields.string($0.value)) }
    }
}
