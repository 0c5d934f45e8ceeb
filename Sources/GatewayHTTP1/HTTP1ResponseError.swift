/// A response the decoder refused. After throwing one, the decoder throws it again on every
/// call: the upstream connection cannot be trusted with another response.
public struct HTTP1ResponseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The head or a trailer section is over its limits.
        case headTooLarge
        /// Not HTTP/1.1 as RFC 9112 lets a recipient accept it, or ambiguous framing.
        case malformed
        /// A `Transfer-Encoding` other than `chunked`.
        case unsupportedTransferEncoding
        /// Bytes of a response arrived when no request was waiting for one.
        case unsolicitedResponse
        /// The connection closed in the middle of a response.
        case truncated
    }

    public var kind: Kind
    /// What was wrong, for logs and tests; never holds bytes of the response.
    public var detail: String

    public init(kind: Kind, detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String {
        "HTTP1ResponseError(\(self.kind): \(self.detail))"
    }

    init(_ failure: ParseFailure) {
        let kind: Kind
        switch failure.kind {
        case .uriTooLong, .malformed: kind = .malformed
        case .headTooLarge: kind = .headTooLarge
        case .unsupportedTransferEncoding: kind = .unsupportedTransferEncoding
        }
        self.init(kind: kind, detail: failure.detail.description)
    }
}
