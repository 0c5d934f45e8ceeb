public import NIOCore

/// Incremental response decoder for one upstream connection (RFC 9112), as strict as
/// `HTTP1RequestDecoder` about lines, fields and framing.
///
/// Each request written on the connection is announced with `expectResponse(toHEAD:)`, in
/// order and before `next()` looks at its response, so that a response to `HEAD` is read
/// without a body (RFC 9112 §6.3 item 1); a byte of a response while none is expected is an
/// error (`.unsolicitedResponse`). The body
/// of a response is delimited (RFC 9112 §6.3) by:
/// - nothing, for a response to `HEAD` or `CONNECT`, 1xx, 204 and 304;
/// - `Transfer-Encoding: chunked`: exactly that coding; any other is refused
///   (`.unsupportedTransferEncoding`), where llhttp would read until the close or decode
///   `chunked` under other codings that the gateway could not forward intact;
/// - `Content-Length`, with the same rules as requests;
/// - otherwise, the connection's close (`.untilClose`, then `endOfInput()` ends it).
///
/// 1xx responses other than 101 come out as `.informational` and the final response follows (one
/// that would close the connection, as an HTTP/1.0 1xx does, is refused). A
/// 101 comes out as a final head without body, and the decoder then parses nothing more: the
/// connection no longer speaks HTTP/1.1. So does a response that does not keep the connection.
public struct HTTP1ResponseDecoder: Sendable {
    /// Where the decoder is. The parser and the body decoder are stored beside it, not as
    /// payloads, so that each event mutates them in place instead of copying them out of the
    /// enum and back (three copies of each a response, about 1,200 instructions).
    private enum Phase: Sendable {
        /// `headParser` reads the next head (fresh whenever this phase begins).
        case head
        /// `body` reads the current response's body.
        case body
        case finished
        case failed(HTTP1ResponseError)
    }

    private let limits: HTTP1Limits
    private var input = InputBuffer()
    private var phase = Phase.head
    private var headParser = ResponseHeadParser()
    private var body = BodyDecoder(framing: .none)
    /// For each request written and not yet answered: whether it was `HEAD` (or `CONNECT`).
    private var expected = CircularBuffer<Bool>(initialCapacity: 2)
    /// Whether the response whose body is being read ends the connection.
    private var currentEndsConnection = false
    private var sawEndOfInput = false

    public init(limits: HTTP1Limits) {
        self.limits = limits
    }

    /// Announces a request just written: its response comes after those of earlier ones. A
    /// response to `HEAD` (and to `CONNECT`: pass true) has no body whatever its fields say.
    public mutating func expectResponse(toHEAD: Bool) {
        self.expected.append(toHEAD)
    }

    /// Adds bytes received from the upstream (kept without a copy when nothing is pending).
    public mutating func feed(_ bytes: ByteBuffer) {
        switch self.phase {
        case .head, .body: self.input.append(bytes)
        case .finished, .failed: break
        }
    }

    /// The next event, or nil when more bytes are needed.
    public mutating func next() throws(HTTP1ResponseError) -> HTTP1ResponseEvent? {
        switch self.phase {
        case .failed(let error): throw error
        case .finished: return nil
        case .head: return try self.nextInHead()
        case .body: return try self.nextInBody()
        }
    }

    private mutating func nextInHead() throws(HTTP1ResponseError) -> HTTP1ResponseEvent? {
        if self.expected.isEmpty, !self.headParser.started {
            // No request waits: any byte but the CRLFs allowed between messages is an
            // unsolicited response, whatever it is (so the verdict does not depend on how
            // much of it has arrived).
            while self.input.first == ASCII.cr, self.input.byte(at: 1) == ASCII.lf { self.input.skip(2) }
            if self.input.hasByteBeyondEmptyLines {
                throw self.fail(HTTP1ResponseError(kind: .unsolicitedResponse, detail: "a response no request waits for"))
            }
            if self.sawEndOfInput { self.phase = .finished }
            return nil
        }
        switch self.headParser.parse(&self.input, limits: self.limits) {
        case .needMore:
            if self.sawEndOfInput, self.headParser.started || !self.input.isEmpty {
                throw self.fail(HTTP1ResponseError(kind: .truncated, detail: "the connection closed in a response head"))
            }
            if self.sawEndOfInput { self.phase = .finished }
            return nil
        case .failed(let failure, _):
            throw self.fail(HTTP1ResponseError(failure))
        case .complete(let length):
            guard let toHEAD = self.expected.first else {
                throw self.fail(HTTP1ResponseError(kind: .unsolicitedResponse, detail: "a response no request waits for"))
            }
            let head: HTTP1ResponseHead
            do throws(ParseFailure) {
                head = try Self.head(self.input.bytes, length: length, parser: self.headParser, toHEAD: toHEAD)
            } catch {
                throw self.fail(HTTP1ResponseError(error))
            }
            _ = self.input.readSlice(length: length)
            self.headParser = ResponseHeadParser()
            if (100...199).contains(head.status), head.status != 101 {
                // RFC 9110 §15.2: no 1xx to HTTP/1.0; one that closes the connection would
                // leave the final response unread (llhttp then refuses the rest).
                guard head.keepAlive else {
                    throw self.fail(
                        HTTP1ResponseError(kind: .malformed, detail: "an informational response that closes the connection")
                    )
                }
                return .informational(head)
            }
            self.expected.removeFirst()
            self.currentEndsConnection = !head.keepAlive || head.status == 101
            self.body = BodyDecoder(framing: head.framing)
            self.phase = .body
            return .head(head)
        }
    }

    private mutating func nextInBody() throws(HTTP1ResponseError) -> HTTP1ResponseEvent? {
        let event: BodyDecoder.Event?
        do throws(ParseFailure) {
            event = try self.body.next(&self.input, limits: self.limits)
        } catch {
            throw self.fail(HTTP1ResponseError(error))
        }
        switch event {
        case nil:
            guard self.sawEndOfInput else { return nil }
            guard self.body.endsWithConnection else {
                throw self.fail(HTTP1ResponseError(kind: .truncated, detail: "the connection closed in a response body"))
            }
            self.phase = .finished
            return .end(trailers: nil)
        case .data(let bytes):
            return .body(bytes)
        case .end(let trailers):
            if self.currentEndsConnection || self.body.trailersAskToClose {
                self.input.removeAll()
                self.phase = .finished
            } else {
                self.phase = .head
            }
            return .end(trailers: trailers)
        }
    }

    /// Tells the decoder the connection closed, and returns the next event as `next()` does,
    /// knowing there will be no more bytes: `.end` for a body delimited by the close, an error
    /// (`.truncated`) in the middle of any other message, nil between messages. Call it until it
    /// returns nil.
    public mutating func endOfInput() throws(HTTP1ResponseError) -> HTTP1ResponseEvent? {
        self.sawEndOfInput = true
        return try self.next()
    }

    /// Bytes fed and not yet returned in an event.
    public var bufferedBytes: Int { self.input.readableBytes }

    /// Whether no response is in progress and no byte of the next one is buffered.
    public var isBetweenMessages: Bool {
        switch self.phase {
        case .head: return !self.headParser.started && self.input.isEmpty
        case .finished: return true
        case .body, .failed: return false
        }
    }

    /// Whether the connection carries no further response: the last one did not keep the
    /// connection, or was 101, or an error was thrown, or the input ended.
    public var isFinished: Bool {
        switch self.phase {
        case .finished, .failed: return true
        case .head, .body: return false
        }
    }

    /// How many requests announced with `expectResponse` still wait for their response.
    public var pendingResponses: Int { self.expected.count }

    /// Skips the rest of the current response's body without returning `.body` events.
    public mutating func discardBody() {
        guard case .body = self.phase else { return }
        self.body.discarding = true
    }

    private mutating func fail(_ error: HTTP1ResponseError) -> HTTP1ResponseError {
        self.phase = .failed(error)
        self.input.removeAll()
        return error
    }

    private static func head(
        _ input: ByteBuffer,
        length: Int,
        parser: ResponseHeadParser,
        toHEAD: Bool
    ) throws(ParseFailure) -> HTTP1ResponseHead {
        let buffer = input.getSlice(at: input.readerIndex, length: length)!
        let line = parser.line
        let fields = parser.parsedFields
        return try buffer.withUnsafeReadableBytes { bytes in
            Result { () throws(ParseFailure) -> HTTP1ResponseHead in
                let framingFields = try FramingFields(bytes, fields, isRequest: false)
                let status = line.status
                let bodiless = toHEAD || status < 200 || status == 204 || status == 304
                let framing: HTTP1BodyFraming
                if bodiless {
                    framing = .none
                } else if let chunked = try framingFields.transferEncodingFraming(bytes, line.version) {
                    framing = chunked
                } else if let length = framingFields.contentLength {
                    framing = length > 0 ? .length(length) : .none
                } else {
                    framing = .untilClose
                }
                return HTTP1ResponseHead(
                    fields: HTTP1Fields(buffer: buffer, fields: fields),
                    version: line.version,
                    status: status,
                    reason: line.reasonStart..<line.reasonEnd,
                    framing: framing,
                    keepAlive: framingFields.keepAlive(line.version) && framing != .untilClose
                )
            }
        }.get()
    }
}
