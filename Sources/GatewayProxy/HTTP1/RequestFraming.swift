/// Where an HTTP/1.1 connection's inbound byte stream is: in a request head, or in a body.
///
/// Shared by `RequestFramingDecoder`, which feeds llhttp, and `DownstreamHandler`, which sees
/// what llhttp produced: the handler says when a head was parsed (and how long its body is)
/// and when a message ended, so the decoder knows whether the next bytes start a new head.
/// Both live on the connection's event loop.
final class RequestFraming {
    enum Phase: Equatable {
        /// Awaiting or scanning a request head.
        case head
        /// Inside a body; `remaining` bytes for a `Content-Length` body, nil for chunked.
        case body(remaining: Int?)
        /// Nothing more is parsed on this connection.
        case stopped
    }

    var phase: Phase = .head
    /// The request line of the head being parsed, for answering and auditing an error in it.
    var requestLine: RequestLine?

    /// llhttp parsed a head: its body follows (or not).
    func headParsed(contentLength: Int?, isChunked: Bool) {
        guard self.phase != .stopped else { return }
        if isChunked {
            self.phase = .body(remaining: nil)
        } else if let length = contentLength, length > 0 {
            self.phase = .body(remaining: length)
        } else {
            self.phase = .head
        }
    }

    /// llhttp parsed the end of a message: the next byte starts a new head.
    func messageEnded() {
        guard self.phase != .stopped else { return }
        self.phase = .head
    }
}

@available(*, unavailable)
extension RequestFraming: Sendable {}

/// The method and target of a request line, kept for error answers and audit records.
struct RequestLine: Sendable, Equatable {
    var method: String
    var target: String

    /// Splits `GET /path HTTP/1.1`; nil when there is no method and target.
    init?(_ bytes: UnsafeRawBufferPointer) {
        guard let firstSpace = bytes.firstIndex(of: UInt8(ascii: " ")) else { return nil }
        let rest = bytes[(firstSpace + 1)...]
        let targetEnd = rest.lastIndex(of: UInt8(ascii: " ")) ?? rest.endIndex
        guard firstSpace > 0, targetEnd > firstSpace + 1 else { return nil }
        self.method = String(decoding: bytes[..<firstSpace], as: UTF8.self)
        self.target = String(decoding: bytes[(firstSpace + 1)..<targetEnd], as: UTF8.self)
    }

    init(method: String, target: String) {
        self.method = method
        self.target = target
    }
}
