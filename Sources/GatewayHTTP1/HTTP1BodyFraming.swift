/// How the body of a message is delimited (RFC 9112 §6.3).
public enum HTTP1BodyFraming: Sendable, Equatable {
    /// No body: no `Content-Length` and no `Transfer-Encoding`, or `Content-Length: 0`, or a
    /// response that cannot have one (to `HEAD`, 1xx, 204, 304).
    case none
    /// `Content-Length` greater than zero.
    case length(Int)
    /// `Transfer-Encoding: chunked`, the only transfer coding accepted.
    case chunked
    /// Responses only: the body runs until the connection closes (RFC 9112 §6.3 item 8).
    case untilClose
}
