/// An `application/x-www-form-urlencoded` request body (RFC 6749 Appendix B, §3.2; RFC 7009
/// §2.1): its fields in order, names and values decoded.
///
/// Parsing is strict (`FormURLEncoding`): a malformed `%` escape or a name or value that is not
/// UTF-8 refuses the whole body. Empty pieces (`a=1&&b=2`) are skipped; a piece without `=` is a
/// name with an empty value.
public struct FormBody: Sendable, Equatable {
    public struct Field: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public private(set) var fields: [Field]

    /// Parses `bytes`, the whole body.
    public init(parsing bytes: some Collection<UInt8>) throws(FormBodyError) {
        var fields: [Field] = []
        for piece in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let equals = piece.firstIndex(of: UInt8(ascii: "="))
            let name = piece[..<(equals ?? piece.endIndex)]
            let value = equals.map { piece[piece.index(after: $0)...] } ?? piece[piece.endIndex...]
            guard let decodedName = FormURLEncoding.decode(name), let decodedValue = FormURLEncoding.decode(value)
            else { throw FormBodyError.malformed }
            fields.append(Field(name: decodedName, value: decodedValue))
        }
        self.fields = fields
    }

    /// The one value of parameter `name`, or nil when it is absent or empty: RFC 6749 §3.2,
    /// "parameters sent without a value MUST be treated as if they were omitted", and "request
    /// and response parameters MUST NOT be included more than once" — a repeated parameter (even
    /// with an empty value) throws.
    public func parameter(_ name: String) throws(FormBodyError) -> String? {
        var found: String?
        var seen = false
        for field in self.fields where field.name == name {
            if seen { throw FormBodyError.repeated }
            seen = true
            found = field.value
        }
        guard let found, !found.isEmpty else { return nil }
        return found
    }
}

/// Why a form body, or one of its parameters, is refused (400 `invalid_request`).
///
/// The description never quotes the body: it may hold a client secret or a token.
public struct FormBodyError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Problem: Sendable, Hashable {
        case malformed
        case repeated
    }

    private let problem: Problem

    private init(_ problem: Problem) {
        self.problem = problem
    }

    /// A malformed `%` escape, or bytes that are not UTF-8.
    public static let malformed = FormBodyError(.malformed)
    /// A parameter given more than once (RFC 6749 §3.2).
    public static let repeated = FormBodyError(.repeated)

    public var description: String {
        switch self.problem {
        case .malformed: return "the form body has a malformed percent-escape or is not UTF-8"
        case .repeated: return "a parameter is repeated"
        }
    }
}
