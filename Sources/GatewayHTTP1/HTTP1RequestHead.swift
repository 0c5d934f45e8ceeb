internal import NIOCore

/// A request head as the decoder accepted it: the request line's parts and the fields as ranges
/// into the head's own bytes, plus what the fields say about framing and the connection.
public struct HTTP1RequestHead: Sendable {
    /// The fields; their buffer holds the whole head, request line through the empty line.
    public let fields: HTTP1Fields
    public let method: HTTP1Method
    /// The request target's range in `fields.buffer`, as sent (RFC 9112 §3.2).
    public let target: Range<Int>
    public let version: HTTP1Version
    public let framing: HTTP1BodyFraming
    /// Whether the connection may carry another request after this one (RFC 9112 §9.3): HTTP/1.1
    /// unless `Connection: close`; HTTP/1.0 only with `Connection: keep-alive` and no `close`.
    /// `Proxy-Connection` is read as `Connection` is, as llhttp does.
    public let keepAlive: Bool
    /// An `Upgrade` field is present (RFC 9110 §7.8). The decoder parses nothing after such a
    /// request: the connection either switches protocols or closes.
    public let hasUpgrade: Bool
    /// `Expect: 100-continue` on an HTTP/1.1 request (RFC 9110 §10.1.1: ignored in HTTP/1.0).
    public let expectsContinue: Bool

    /// The target as a `String`. Allocates: for audit records and `explain` only.
    public var targetString: String { self.fields.string(self.target) }

    /// The size of the head in bytes, request line through the empty line.
    public var headBytes: Int { self.fields.buffer.readableBytes }

    /// The request line's method and target as strings (allocates).
    public var requestLine: HTTP1RequestLine {
        HTTP1RequestLine(method: self.method.rawValue, target: self.targetString)
    }

    /// Whether the decoder stops after this request: it closes the connection, upgrades it, or
    /// is `CONNECT`.
    var endsConnection: Bool {
        !self.keepAlive || self.hasUpgrade || self.method == .CONNECT
    }
}
