internal import NIOCore

/// A response head as the decoder accepted it.
public struct HTTP1ResponseHead: Sendable {
    /// The fields; their buffer holds the whole head, status line through the empty line.
    public let fields: HTTP1Fields
    public let version: HTTP1Version
    /// 100–599.
    public let status: Int
    /// The reason phrase's range in `fields.buffer` (possibly empty).
    public let reason: Range<Int>
    /// `.none` for responses to `HEAD` (and `CONNECT`), 1xx, 204 and 304 (RFC 9112 §6.3 items 1–2);
    /// `.chunked`; `.length`; `.untilClose` when neither `Transfer-Encoding` nor `Content-Length`
    /// delimits the body.
    public let framing: HTTP1BodyFraming
    /// Whether the connection may carry another request: as for requests (RFC 9112 §9.3), and
    /// never after a body delimited by the connection's close.
    public let keepAlive: Bool

    /// The size of the head in bytes.
    public var headBytes: Int { self.fields.buffer.readableBytes }

    /// The reason phrase as a `String` (allocates).
    public var reasonString: String { self.fields.string(self.reason) }
}
