/// The method and target of a request line that was itself well formed, kept for the answer to
/// a refused request and its audit record.
public struct HTTP1RequestLine: Sendable, Equatable {
    public var method: String
    public var target: String

    public init(method: String, target: String) {
        self.method = method
        self.target = target
    }
}

/// A request the decoder refused. After throwing one, the decoder throws it again on every call:
/// nothing more is parsed on the connection.
public struct HTTP1RequestError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The request target is longer than `maxTargetBytes` (414; no audit record).
        case uriTooLong
        /// The head (or a trailer section) is over its size or field-count limit (431).
        case headTooLarge
        /// Not HTTP/1.1 as RFC 9112 lets a recipient accept it, or ambiguous framing (400).
        case malformed
        /// A `Transfer-Encoding` other than `chunked` (501).
        case unsupportedTransferEncoding
    }

    public var kind: Kind
    /// The request line, only when it was itself well formed (`method SP target SP HTTP/1.x
    /// CRLF`). A field line sent in place of a request line (`X-API-Key: …`) leaves it nil: it
    /// is never audited, as its bytes may be a secret.
    public var requestLine: HTTP1RequestLine?
    /// What was wrong, for logs and tests; never holds bytes of the request.
    public var detail: String

    public init(kind: Kind, requestLine: HTTP1RequestLine?, detail: String) {
        self.kind = kind
        self.requestLine = requestLine
        self.detail = detail
    }

    /// The status code SPEC §3 answers this refusal with.
    public var status: Int {
        switch self.kind {
        case .uriTooLong: return 414
        case .headTooLarge: return 431
        case .malformed: return 400
        case .unsupportedTransferEncoding: return 501
        }
    }

    public var description: String {
        "HTTP1RequestError(\(self.kind): \(self.detail))"
    }

    init(_ failure: ParseFailure, requestLine: HTTP1RequestLine?) {
        let kind: Kind
        switch failure.kind {
        case .uriTooLong: kind = .uriTooLong
        case .headTooLarge: kind = .headTooLarge
        case .malformed: kind = .malformed
        case .unsupportedTransferEncoding: kind = .unsupportedTransferEncoding
        }
        self.init(kind: kind, requestLine: requestLine, detail: failure.detail.description)
    }
}
