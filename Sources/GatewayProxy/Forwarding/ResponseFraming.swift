/// How a response body is delimited towards the client.
enum ResponseFraming: Equatable {
    /// No body follows (a HEAD request, 1xx, 204, 304, or a zero length).
    case none
    /// The upstream's `Content-Length`, passed on.
    case contentLength
    /// Re-framed in chunks (an HTTP/1.1 client, no length known).
    case chunked
    /// The body ends when the connection closes (an HTTP/1.0 client without a length).
    case untilClose
    /// HTTP/2: the body ends with the stream; no framing field.
    case stream

    /// The client framing for an upstream response: its own length when it has one, else
    /// chunks (HTTP/1.1), the connection's close (HTTP/1.0) or the stream's end (HTTP/2).
    static func forClient(
        upstream: HTTP1BodyFramingKind,
        status: Int,
        requestIsHEAD: Bool,
        client: ClientProtocol
    ) -> ResponseFraming {
        if requestIsHEAD || (100..<200).contains(status) || status == 204 || status == 304 { return .none }
        switch upstream {
        case .none: return .none
        case .length: return .contentLength
        case .open:
            switch client {
            case .http2: return .stream
            case .http1_1: return .chunked
            case .http1_0: return .untilClose
            }
        }
    }
}

/// The upstream's framing, reduced to what the client framing depends on.
enum HTTP1BodyFramingKind: Equatable {
    case none
    case length
    /// Chunked or until close: the length is not known in advance.
    case open
}

/// The protocol the client speaks.
enum ClientProtocol: Equatable {
    case http1_0
    case http1_1
    case http2
}
