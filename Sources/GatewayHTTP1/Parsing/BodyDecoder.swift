internal import NIOCore

/// Delimits one message body in a decoder's input (RFC 9112 §6.3, §7.1): hands out its bytes as
/// slices of the buffers fed, and ends where the framing says.
///
/// A chunked body is checked as strictly as a head: a chunk's data must be followed by CRLF
/// exactly, chunk-size lines by `ChunkLineParser`'s rules, and the trailer section by
/// `FieldBlockParser`'s, within `maxTrailerBytes`, without framing fields.
struct BodyDecoder: Sendable {
    enum Event: Sendable {
        case data(ByteBuffer)
        case end(HTTP1Fields?)
    }

    private enum Phase: Sendable {
        case length(remaining: Int)
        case untilClose
        case chunkLine(ChunkLineParser)
        case chunkData(remaining: Int)
        case chunkDataCR
        case chunkDataLF
        /// Boxed: trailers are rare, and unboxed this case made every body decoder (and every
        /// request decoder, which holds one) about 70 bytes larger.
        indirect case trailers(FieldBlockParser)
        /// Complete: `.end` is next.
        case complete
    }

    private var phase: Phase
    /// Body bytes are skipped instead of returned (a refused request's).
    var discarding = false
    /// A trailer asked to close the connection.
    private(set) var trailersAskToClose = false

    init(framing: HTTP1BodyFraming) {
        switch framing {
        case .none: self.phase = .complete
        case .length(let length): self.phase = length > 0 ? .length(remaining: length) : .complete
        case .chunked: self.phase = .chunkLine(ChunkLineParser())
        case .untilClose: self.phase = .untilClose
        }
    }

    /// Whether the body ends only with the connection.
    var endsWithConnection: Bool {
        if case .untilClose = self.phase { return true }
        return false
    }

    /// The next event, or nil when more input is needed. After `.end`, it must not be called again.
    mutating func next(_ input: inout InputBuffer, limits: HTTP1Limits) throws(ParseFailure) -> Event? {
        while true {
            switch self.phase {
            case .complete:
                return .end(nil)
            case .length(let remaining):
                guard !input.isEmpty else { return nil }
                let count = min(remaining, input.readableBytes)
                self.phase = count == remaining ? .complete : .length(remaining: remaining - count)
                if let data = self.take(count, from: &input) { return .data(data) }
            case .untilClose:
                guard !input.isEmpty else { return nil }
                if let data = self.take(input.readableBytes, from: &input) { return .data(data) }
            case .chunkData(let remaining):
                guard !input.isEmpty else { return nil }
                let count = min(remaining, input.readableBytes)
                self.phase = count == remaining ? .chunkDataCR : .chunkData(remaining: remaining - count)
                if let data = self.take(count, from: &input) { return .data(data) }
            case .chunkDataCR:
                guard let byte = input.first else { return nil }
                guard byte == ASCII.cr else { throw .malformed("a chunk's data is not followed by CRLF") }
                input.skip(1)
                self.phase = .chunkDataLF
            case .chunkDataLF:
                guard let byte = input.first else { return nil }
                guard byte == ASCII.lf else { throw .malformed("a chunk's data is not followed by CRLF") }
                input.skip(1)
                self.phase = .chunkLine(ChunkLineParser())
            case .chunkLine(var parser):
                let progress = input.withUnsafeReadableBytes { parser.parse($0, maxBytes: limits.maxChunkLineBytes) }
                switch progress {
                case .needMore:
                    self.phase = .chunkLine(parser)
                    return nil
                case .failed(let failure):
                    throw failure
                case .complete(let end):
                    input.skip(end)
                    if parser.size == 0 {
                        self.phase = .trailers(
                            FieldBlockParser(
                                start: 0,
                                limit: limits.maxTrailerBytes,
                                maxCount: limits.maxFieldCount,
                                tooLarge: "the trailer section is over its limit",
                                tooMany: "the trailer section has too many fields",
                                isTrailerSection: true
                            )
                        )
                    } else {
                        self.phase = .chunkData(remaining: parser.size)
                    }
                }
            case .trailers(var parser):
                self.phase = .complete
                let progress = input.withUnsafeReadableBytes { parser.parse($0) }
                switch progress {
                case .needMore:
                    self.phase = .trailers(parser)
                    return nil
                case .failed(let failure):
                    throw failure
                case .complete(let end):
                    guard !parser.fields.isEmpty else {
                        input.skip(end)
                        return .end(nil)
                    }
                    let block = input.readSlice(length: end)
                    let fields = parser.fields
                    self.trailersAskToClose = block.withUnsafeReadableBytes {
                        FramingFields.trailersAskToClose($0, fields)
                    }
                    return .end(HTTP1Fields(buffer: block, fields: fields))
                }
            }
        }
    }

    /// Takes `count` bytes of body: a slice to return, or nil when discarding.
    private mutating func take(_ count: Int, from input: inout InputBuffer) -> ByteBuffer? {
        if self.discarding {
            input.skip(count)
            return nil
        }
        return input.readSlice(length: count)
    }
}
