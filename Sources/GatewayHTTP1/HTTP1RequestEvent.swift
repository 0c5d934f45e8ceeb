public import NIOCore

/// What `HTTP1RequestDecoder.next()` produces, in order for each request: one `head`, any number
/// of `body` parts (none when the framing is `.none`), one `end`.
public enum HTTP1RequestEvent: Sendable {
    case head(HTTP1RequestHead)
    /// Body bytes, a slice of the buffers fed (for a chunked body, chunk data without framing).
    case body(ByteBuffer)
    /// The request is complete; `trailers` is the trailer section of a chunked body, nil when it
    /// had no field.
    case end(trailers: HTTP1Fields?)
}
