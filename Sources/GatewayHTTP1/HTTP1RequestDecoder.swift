public import NIOCore

/// Incremental request decoder for one client connection (RFC 9112).
///
/// Bytes are fed as they arrive; events come out one at a time from `next()`, so a pipelined
/// request's head waits in the decoder until the caller asks for it: the caller uses that as its
/// pipelining queue and backpressure. The outcome never depends on how the bytes were split.
///
/// It accepts what RFC 9112 requires a server to accept and refuses, at the first byte that
/// shows it, what RFC 9112 lets a recipient refuse and every ambiguity request smuggling uses
/// (`.malformed` unless noted):
/// - a request line that is not exactly `method SP target SP HTTP/1.x CRLF`
///   (`RequestLineParser`): two spaces, `HTTP/1.2`, `HTTP/2.0`, `http/1.1`, a method that is
///   not a token or is `PRI` (the HTTP/2 preface), a target outside visible ASCII or of a form
///   its method does not take;
/// - a target over `maxTargetBytes` (`.uriTooLong`), a head over `maxHeadBytes` or with more
///   than `maxFieldCount` fields (`.headTooLarge`);
/// - obs-fold, whitespace before a colon, empty or non-token names, control characters in
///   values, a bare CR, a bare LF (`FieldBlockParser`);
/// - ambiguous framing: duplicate or malformed `Content-Length`, `Content-Length` with
///   `Transfer-Encoding`, more than one `Transfer-Encoding` field, more than one `Host`
///   (`FramingFields`); `Transfer-Encoding` in an HTTP/1.0 request (RFC 9112 §6.1 lets a server
///   treat such framing as faulty); a body on `CONNECT`;
/// - a transfer coding other than exactly `chunked` (`.unsupportedTransferEncoding`, or
///   `.malformed` when the value is not even a valid coding list);
/// - bad chunk framing: junk or overflow in a chunk size, unbounded or invalid extensions, data
///   not followed by CRLF, framing fields in trailers, trailers over `maxTrailerBytes`
///   (`ChunkLineParser`, `BodyDecoder`).
///
/// After a request that closes the connection (`keepAlive` false, or a trailer
/// `Connection: close`), upgrades it (`hasUpgrade`) or is `CONNECT`, the decoder parses nothing
/// more (`isFinished`): later bytes are not HTTP/1.1 requests of this connection. After an
/// error it throws the same error on every call.
public struct HTTP1RequestDecoder: Sendable {
    /// Where the decoder is. The head parser is stored beside it, not as a payload, so that
    /// reading a head mutates it in place instead of copying it out of the enum and back (and
    /// retaining and releasing its field list); the body decoder, 35 bytes with its rare trailer
    /// parser boxed, stays a payload, so an idle connection's decoder grows by that much only.
    private enum Phase: Sendable {
        /// `headParser` reads the next head (fresh whenever this phase begins).
        case head
        case body(BodyDecoder)
        case finished
        case failed(HTTP1RequestError)
    }

    private let limits: HTTP1Limits
    private var input = InputBuffer()
    private var phase = Phase.head
    private var headParser = RequestHeadParser()
    /// The head whose body is being read, for the request line of an error in it.
    private var current: HTTP1RequestHead?
    /// A head without a body that keeps the connection was returned and its `.end` is next: the
    /// decoder is already waiting for the following head, without a `BodyDecoder` to make,
    /// copy and end for an empty body (most requests are `GET`s). Until the `.end` is taken it
    /// answers as if it were in that empty body.
    private var endIsPending = false

    public init(limits: HTTP1Limits) {
        self.limits = limits
    }

    /// Adds bytes received from the client. Without a partial head or line pending they are kept
    /// as they are (no copy); otherwise they are appended to what is pending. Bytes after the
    /// connection's last request, or after an error, are dropped.
    public mutating func feed(_ bytes: ByteBuffer) {
        switch self.phase {
        case .head, .body: self.input.append(bytes)
        case .finished, .failed: break
        }
    }

    /// The next event, or nil when more bytes are needed (or the connection carries no more
    /// requests). Throws when the bytes are not a request this codec accepts.
    public mutating func next() throws(HTTP1RequestError) -> HTTP1RequestEvent? {
        if self.endIsPending {
            self.endIsPending = false
            return .end(trailers: nil)
        }
        switch self.phase {
        case .failed(let error):
            throw error
        case .finished:
            return nil
        case .head:
            switch self.headParser.parse(&self.input, limits: self.limits) {
            case .needMore:
                return nil
            case .failed(let failure, let lineIsComplete):
                let line = lineIsComplete ? self.requestLine(self.headParser.line) : nil
                throw self.fail(HTTP1RequestError(failure, requestLine: line))
            case .complete(let length):
                let head: HTTP1RequestHead
                do throws(ParseFailure) {
                    head = try Self.head(self.input.bytes, length: length, parser: self.headParser)
                } catch {
                    throw self.fail(HTTP1RequestError(error, requestLine: self.requestLine(self.headParser.line)))
                }
                _ = self.input.readSlice(length: length)
                self.headParser = RequestHeadParser()
                if head.framing == .none, !head.endsConnection {
                    self.endIsPending = true
                    return .head(head)
                }
                self.current = head
                self.phase = .body(BodyDecoder(framing: head.framing))
                return .head(head)
            }
        case .body(var body):
            self.phase = .finished
            let event: BodyDecoder.Event?
            do throws(ParseFailure) {
                event = try body.next(&self.input, limits: self.limits)
            } catch {
                throw self.fail(HTTP1RequestError(error, requestLine: self.current?.requestLine))
            }
            switch event {
            case nil:
                self.phase = .body(body)
                return nil
            case .data(let bytes):
                self.phase = .body(body)
                return .body(bytes)
            case .end(let trailers):
                if self.current?.endsConnection ?? true || body.trailersAskToClose {
                    self.input.removeAll()
                } else {
                    self.phase = .head
                }
                self.current = nil
                return .end(trailers: trailers)
            }
        }
    }

    /// Bytes fed and not yet returned in an event.
    public var bufferedBytes: Int { self.input.readableBytes }

    /// Whether a request head has begun and is not complete: between messages, at least one byte
    /// of the next request line (after any empty lines) has arrived. `header_timeout` runs then
    /// (SPEC §9: from the first byte of a request).
    public var isInHead: Bool {
        guard !self.endIsPending, case .head = self.phase else { return false }
        return self.headParser.started || self.input.hasByteBeyondEmptyLines
    }

    /// The request line of the head being received, once that line is whole and well formed
    /// (the fields may still be arriving): what a `header_timeout` answer is audited with.
    public var requestLineSoFar: HTTP1RequestLine? {
        guard !self.endIsPending, case .head = self.phase, self.headParser.lineIsComplete else { return nil }
        return self.requestLine(self.headParser.line)
    }

    /// Whether the last request ended (or none began) and no byte of the next one is buffered:
    /// the connection is idle. True too once the decoder is finished.
    public var isBetweenMessages: Bool {
        guard !self.endIsPending else { return false }
        switch self.phase {
        case .head: return !self.isInHead
        case .finished: return true
        case .body, .failed: return false
        }
    }

    /// Whether the connection carries no further request: the last one closed, upgraded or was
    /// `CONNECT` (once its `.end` was returned), or an error was thrown.
    public var isFinished: Bool {
        switch self.phase {
        case .finished, .failed: return true
        case .head, .body: return false
        }
    }

    /// Skips the rest of the current request's body without returning `.body` events (a refused
    /// request's, so the next pipelined request can still be read). Its framing is still checked
    /// and `.end` is still returned. Does nothing outside a body.
    public mutating func discardBody() {
        guard case .body(var body) = self.phase else { return }
        body.discarding = true
        self.phase = .body(body)
    }

    private mutating func fail(_ error: HTTP1RequestError) -> HTTP1RequestError {
        self.phase = .failed(error)
        self.endIsPending = false
        self.input.removeAll()
        self.current = nil
        return error
    }

    /// The request line at the start of the input, as strings (only for an error answer).
    private func requestLine(_ line: RequestLineParser) -> HTTP1RequestLine {
        self.input.withUnsafeReadableBytes { bytes in
            HTTP1RequestLine(
                method: String(decoding: UnsafeRawBufferPointer(rebasing: bytes[line.methodRange]), as: UTF8.self),
                target: String(decoding: UnsafeRawBufferPointer(rebasing: bytes[line.targetRange]), as: UTF8.self)
            )
        }
    }

    /// Builds the head from the first `length` bytes of `input`, which `parser` found to be one.
    private static func head(
        _ input: ByteBuffer,
        length: Int,
        parser: RequestHeadParser
    ) throws(ParseFailure) -> HTTP1RequestHead {
        let buffer = input.getSlice(at: input.readerIndex, length: length)!
        let line = parser.line
        let fields = parser.parsedFields
        return try buffer.withUnsafeReadableBytes { bytes in
            Result { () throws(ParseFailure) -> HTTP1RequestHead in
                let framingFields = try FramingFields(bytes, fields, isRequest: true)
                let method = HTTP1Method(token: UnsafeRawBufferPointer(rebasing: bytes[line.methodRange]))
                let length = framingFields.contentLength ?? 0
                let framing =
                    try framingFields.transferEncodingFraming(bytes, line.version)
                    ?? (length > 0 ? .length(length) : .none)
                if method == .CONNECT, framing != .none { throw .malformed("a CONNECT request with a body") }
                return HTTP1RequestHead(
                    fields: HTTP1Fields(buffer: buffer, fields: fields),
                    method: method,
                    target: line.targetRange,
                    version: line.version,
                    framing: framing,
                    keepAlive: framingFields.keepAlive(line.version),
                    hasUpgrade: framingFields.hasUpgrade,
                    expectsContinue: line.version == .http1_1 && framingFields.expectsContinue
                )
            }
        }.get()
    }
}
