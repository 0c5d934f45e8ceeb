public import NIOCore

/// What `HTTP1ResponseDecoder.next()` produces: any number of `informational` heads (1xx but
/// 101, RFC 9110 §15.2), then for the final response one `head`, any `body` parts and one `end`.
public enum HTTP1ResponseEvent: Sendable {
    case informational(HTTP1ResponseHead)
    case head(HTTP1ResponseHead)
    case body(ByteBuffer)
    case end(trailers: HTTP1Fields?)
}
