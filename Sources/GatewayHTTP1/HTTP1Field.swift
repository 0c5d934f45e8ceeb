/// One field line of a head or trailer section, as byte ranges into the buffer of the
/// `HTTP1Fields` it belongs to (offsets from that buffer's `readerIndex`).
///
/// The name is a `token` as sent (RFC 9110 §5.1, case preserved); the value is the field value
/// with its leading and trailing whitespace (OWS, RFC 9112 §5) removed, so it may be empty.
public struct HTTP1Field: Sendable, Equatable {
    public var name: Range<Int>
    public var value: Range<Int>

    @inlinable
    public init(name: Range<Int>, value: Range<Int>) {
        self.name = name
        self.value = value
    }
}
