import NIOCore
import NIOHTTP1

/// Frames HTTP/1.1 requests with NIO's llhttp-based `HTTPRequestDecoder`, enforcing the head
/// limits first.
///
/// Each head is buffered until `RequestHeadScanner` finds its end (or a limit is crossed), then
/// handed to llhttp in one piece; body bytes go straight through, at most the declared
/// `Content-Length` at a time so that a pipelined head after a body is scanned too. llhttp
/// alone decides framing and validity (conflicting lengths, `Content-Length` with
/// `Transfer-Encoding`, bad chunks): a hand-made HTTP parser is where request smuggling
/// comes from.
final class RequestFramingDecoder: ByteToMessageDecoder {
    typealias InboundOut = HTTPServerRequestPart

    private let inner: HTTPRequestDecoder
    private let framing: RequestFraming
    private var scanner: RequestHeadScanner
    private var announcedHeadStart = false

    init(framing: RequestFraming, maxHeadBytes: Int, maxTargetBytes: Int) {
        var limits = NIOHTTPDecoderLimitConfiguration()
        // Backstops only: the scanner enforces the configured limits exactly for every head it
        // sees; llhttp's own limits catch a head parsed straight after a chunked body.
        limits.maxHeaderListSize = maxHeadBytes + maxTargetBytes
        limits.maxHeaderFieldSize = max(maxHeadBytes, maxTargetBytes)
        self.inner = HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes, limitConfiguration: limits)
        self.framing = framing
        self.scanner = RequestHeadScanner(maxHeadBytes: maxHeadBytes, maxTargetBytes: maxTargetBytes)
    }

    func decoderAdded(context: ChannelHandlerContext) {
        self.inner.decoderAdded(context: context)
    }

    func decoderRemoved(context: ChannelHandlerContext) {
        self.inner.decoderRemoved(context: context)
    }

    func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard buffer.readableBytes > 0 else { return .needMoreData }
        switch self.framing.phase {
        case .head:
            return try self.decodeHead(context: context, buffer: &buffer)
        case .body(let remaining):
            return try self.decodeBody(context: context, buffer: &buffer, remaining: remaining)
        case .stopped:
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return .needMoreData
        }
    }

    func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A connection closed mid-message leaves nothing to answer; the handler sees the close.
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .needMoreData
    }

    private func decodeHead(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if !self.announcedHeadStart {
            self.announcedHeadStart = true
            self.framing.requestLine = nil
            context.fireUserInboundEventTriggered(RequestHeadStarted())
        }
        let outcome = buffer.withUnsafeReadableBytes { self.scanner.scan($0) }
        switch outcome {
        case .needMore:
            // Kept for a 408 answer and its audit record, should the rest never arrive.
            if self.framing.requestLine == nil { self.framing.requestLine = self.requestLine(in: buffer) }
            return .needMoreData
        case .uriTooLong:
            self.framing.phase = .stopped
            throw RequestHeadError(kind: .uriTooLong, requestLine: nil)
        case .headTooLarge:
            self.framing.phase = .stopped
            throw RequestHeadError(kind: .headersTooLarge, requestLine: self.requestLine(in: buffer))
        case .complete(let length):
            self.framing.requestLine = self.requestLine(in: buffer)
            let head = buffer.readSlice(length: length)!
            self.scanner.reset()
            self.announcedHeadStart = false
            var unparsed = head
            try self.feed(context: context, &unparsed, headBytes: head)
            return .continue
        }
    }

    private func decodeBody(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        remaining: Int?
    ) throws -> DecodingState {
        guard let remaining, remaining > 0 else {
            // Chunked: llhttp finds the end; a head right after it is parsed without the scanner
            // (llhttp's backstop limits apply).
            var all = buffer.readSlice(length: buffer.readableBytes)!
            try self.feed(context: context, &all, headBytes: nil)
            return .needMoreData
        }
        let count = min(remaining, buffer.readableBytes)
        var slice = buffer.readSlice(length: count)!
        if case .body = self.framing.phase { self.framing.phase = .body(remaining: remaining - count) }
        try self.feed(context: context, &slice, headBytes: nil)
        if case .body(let left) = self.framing.phase, left == 0 {
            // llhttp has seen the whole body, so it emitted `.end`; be safe if it did not.
            self.framing.phase = .head
        }
        return .continue
    }

    /// Hands bytes to llhttp, turning its errors into answers the handler can give.
    private func feed(context: ChannelHandlerContext, _ bytes: inout ByteBuffer, headBytes: ByteBuffer?) throws {
        do {
            _ = try self.inner.decode(context: context, buffer: &bytes)
        } catch let error as HTTPParserError {
            self.framing.phase = .stopped
            let unsupported = headBytes.map(Self.hasNonChunkedTransferEncoding) ?? false
            throw RequestHeadError(
                kind: unsupported ? .unsupportedTransferEncoding : .malformed(error),
                requestLine: self.framing.requestLine
            )
        }
    }

    private func requestLine(in buffer: ByteBuffer) -> RequestLine? {
        guard let range = self.scanner.requestLineRange() else { return nil }
        return buffer.withUnsafeReadableBytes { bytes in
            RequestLine(UnsafeRawBufferPointer(rebasing: bytes[range]))
        }
    }

    /// Whether a refused head names a `Transfer-Encoding` other than `chunked` (501, SPEC §3).
    /// Only consulted after llhttp refused the head, to choose between 400 and 501.
    static func hasNonChunkedTransferEncoding(_ head: ByteBuffer) -> Bool {
        let text = String(buffer: head).lowercased()
        for line in text.split(whereSeparator: { $0 == "\r\n" || $0 == "\n" || $0 == "\r" }) {
            guard line.hasPrefix("transfer-encoding:") else { continue }
            let value = line.dropFirst("transfer-encoding:".count).trimmingCharacters(in: " \t")
            if value != "chunked" { return true }
        }
        return false
    }
}

@available(*, unavailable)
extension RequestFramingDecoder: Sendable {}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> Substring {
        var slice = self[...]
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return slice
    }
}
