import NIOHTTP1

/// A request refused before its head reached the policy: too large, malformed, or using a
/// feature the gateway does not implement.
struct RequestHeadError: Error {
    enum Kind: Equatable {
        /// 414; no audit record (the request line was not read).
        case uriTooLong
        /// 431.
        case headersTooLarge
        /// 400: llhttp refused the head or body (smuggling attempts land here).
        case malformed(HTTPParserError)
        /// 501: a `Transfer-Encoding` other than `chunked`.
        case unsupportedTransferEncoding
        /// 408: the head did not arrive within `header_timeout`.
        case headerTimeout
    }

    var kind: Kind
    /// The request line, when it was read.
    var requestLine: RequestLine?
}

/// Sent inbound when the first byte of a request head arrives, so the handler can start the
/// `header_timeout` clock (SPEC §9: it runs from the first byte of a request).
struct RequestHeadStarted {}
