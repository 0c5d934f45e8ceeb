public import NIOCore

/// A parsed block of field lines (a head's, or a trailer section) over the bytes it was parsed
/// from.
///
/// Fields keep the order in which they were received (RFC 9110 §5.3). Lookups compare names
/// ASCII-case-insensitively (RFC 9110 §5.1) against a lowercase `StaticString`, without
/// allocating; `string(_:)` is the only member that makes a `String`, for values that leave the
/// hot path.
public struct HTTP1Fields: Sendable, RandomAccessCollection {
    /// The bytes the fields were parsed from; every range is an offset from its `readerIndex`.
    /// For a request head this is the whole head, request line through the empty line.
    public let buffer: ByteBuffer
    @usableFromInline
    let fields: [HTTP1Field]

    @inlinable
    init(buffer: ByteBuffer, fields: [HTTP1Field]) {
        self.buffer = buffer
        self.fields = fields
    }

    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { self.fields.count }
    @inlinable public subscript(position: Int) -> HTTP1Field { self.fields[position] }

    /// The value range of the first field named `lowercaseName`, if any.
    public func first(_ lowercaseName: StaticString) -> Range<Int>? {
        self.buffer.withUnsafeReadableBytes { bytes in
            for field in self.fields where ASCII.equalsLowercase(bytes, field.name, lowercaseName) {
                return field.value
            }
            return nil
        }
    }

    /// Calls `body` with the value of each field named `lowercaseName`, in order, until it
    /// returns false: one pass over the fields, lengths compared before bytes.
    public func forEachValue(of lowercaseName: StaticString, _ body: (UnsafeRawBufferPointer) -> Bool) {
        let length = lowercaseName.utf8CodeUnitCount
        self.buffer.withUnsafeReadableBytes { bytes in
            for field in self.fields where field.name.count == length && ASCII.equalsLowercase(bytes, field.name, lowercaseName) {
                if !body(UnsafeRawBufferPointer(rebasing: bytes[field.value])) { return }
            }
        }
    }

    /// How many fields are named `lowercaseName`.
    public func count(of lowercaseName: StaticString) -> Int {
        self.buffer.withUnsafeReadableBytes { bytes in
            var count = 0
            for field in self.fields where ASCII.equalsLowercase(bytes, field.name, lowercaseName) { count += 1 }
            return count
        }
    }

    /// Whether some field is named `lowercaseName`.
    public func contains(_ lowercaseName: StaticString) -> Bool {
        self.first(lowercaseName) != nil
    }

    /// Whether `field` is named `lowercaseName`.
    public func nameEquals(_ field: HTTP1Field, _ lowercaseName: StaticString) -> Bool {
        self.buffer.withUnsafeReadableBytes { ASCII.equalsLowercase($0, field.name, lowercaseName) }
    }

    /// Whether the name of `field` starts with `lowercasePrefix` (as `x-auth-` does).
    public func nameHasPrefix(_ field: HTTP1Field, _ lowercasePrefix: StaticString) -> Bool {
        guard field.name.count >= lowercasePrefix.utf8CodeUnitCount else { return false }
        let prefix = field.name.lowerBound..<(field.name.lowerBound + lowercasePrefix.utf8CodeUnitCount)
        return self.buffer.withUnsafeReadableBytes { ASCII.equalsLowercase($0, prefix, lowercasePrefix) }
    }

    /// Calls `body` with the bytes of `range` (a name or value range of this block).
    public func withBytes<T>(_ range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try self.buffer.withUnsafeReadableBytes { bytes in
            try body(UnsafeRawBufferPointer(rebasing: bytes[range]))
        }
    }

    /// The bytes of `range` as a `String` (invalid UTF-8 repaired). Allocates: only where a value
    /// leaves the hot path (audit, logs, `gateway explain`).
    public func string(_ range: Range<Int>) -> String {
        self.withBytes(range) { String(decoding: $0, as: UTF8.self) }
    }

    /// Whether the bytes of `range` equal `other`; with `caseInsensitive`, ASCII letters of the
    /// bytes are compared lowercased, so `other` must be lowercase.
    public func bytesEqual(_ range: Range<Int>, _ other: StaticString, caseInsensitive: Bool) -> Bool {
        self.buffer.withUnsafeReadableBytes { bytes in
            caseInsensitive
                ? ASCII.equalsLowercase(bytes, range, other)
                : ASCII.equals(bytes, range, other)
        }
    }

    /// Whether the comma-separated list in `range` (RFC 9110 §5.6.1) has an element equal to
    /// `lowercaseToken`, ASCII-case-insensitively; elements are trimmed of OWS. For
    /// `Connection` options and the like.
    public func listContains(_ range: Range<Int>, _ lowercaseToken: StaticString) -> Bool {
        self.buffer.withUnsafeReadableBytes { ASCII.listContains($0, range, lowercaseToken) }
    }

    /// The field lines at `positions` of a head's block, as one byte range: from the first one's
    /// name through the CRLF ending the last one, whitespace around values as received. Field
    /// lines follow one another with nothing between them (the parser refuses obs-fold), and a
    /// head's bytes end with the empty line, so a line ends where the next begins and the last
    /// one two bytes before the end. Only for a head's block, not a trailer section.
    public func lines(_ positions: Range<Int>) -> Range<Int> {
        precondition(!positions.isEmpty && positions.upperBound <= self.fields.count, "positions of this block's fields")
        let end = positions.upperBound < self.fields.count
            ? self.fields[positions.upperBound].name.lowerBound
            : self.buffer.readableBytes - 2
        return self.fields[positions.lowerBound].name.lowerBound..<end
    }

    /// The value of `field` as a `ByteBuffer` slice sharing this block's storage (no copy).
    public func valueSlice(_ field: HTTP1Field) -> ByteBuffer {
        self.buffer.getSlice(at: self.buffer.readerIndex + field.value.lowerBound, length: field.value.count)!
    }
}
