/// Finds and checks one head at the start of a decoder's input, resumably: empty lines before
/// it (RFC 9112 §2.2), the start line, then the field lines to the empty line.
///
/// Nothing is consumed but the empty lines before the start line, so every offset is from the
/// start line's first byte until the head is complete and sliced off.
struct HeadParser<Line: StartLineParser>: Sendable {
    enum Progress: Sendable {
        case needMore
        /// The head is the first `length` bytes of the input.
        case complete(length: Int)
        /// Refused; `lineIsComplete` says whether the start line itself was well formed.
        case failed(ParseFailure, lineIsComplete: Bool)
    }

    /// Whether the first byte of the start line has arrived.
    private(set) var started = false
    private var skipped = 0
    private(set) var line = Line()

    /// Whether the start line is whole and well formed (the fields are being read).
    var lineIsComplete: Bool { self.fields != nil }
    private var fields: FieldBlockParser?

    /// The fields, once the head is complete.
    var parsedFields: [HTTP1Field] { self.fields?.fields ?? [] }

    mutating func parse(_ input: inout InputBuffer, limits: HTTP1Limits) -> Progress {
        if !self.started {
            // RFC 9112 §2.2: a server SHOULD ignore at least one empty line (CRLF) received
            // before the request line (tolerated before a status line too, as llhttp does). Only
            // CRLF: a bare CR or LF is refused like anywhere else.
            while let byte = input.first {
                guard byte == ASCII.cr || byte == ASCII.lf else { break }
                guard byte == ASCII.cr, let next = input.byte(at: 1) else {
                    if byte == ASCII.lf {
                        return .failed(.malformed("a line ends with a bare LF"), lineIsComplete: false)
                    }
                    return .needMore
                }
                guard next == ASCII.lf else {
                    return .failed(.malformed("a CR is not followed by LF"), lineIsComplete: false)
                }
                input.skip(2)
                self.skipped += 2
                if self.skipped > limits.maxHeadBytes {
                    let failure = ParseFailure(kind: .headTooLarge, detail: "too many empty lines before the head")
                    return .failed(failure, lineIsComplete: false)
                }
            }
            guard !input.isEmpty else { return .needMore }
            self.started = true
        }
        return input.withUnsafeReadableBytes { bytes in
            if self.fields == nil {
                switch self.line.parse(bytes, limits: limits) {
                case .needMore:
                    return .needMore
                case .failed(let failure):
                    return .failed(failure, lineIsComplete: false)
                case .complete(let end):
                    self.fields = FieldBlockParser(
                        start: end,
                        limit: limits.maxHeadBytes,
                        maxCount: limits.maxFieldCount,
                        tooLarge: "the head is over max_header_bytes",
                        tooMany: "the head has more fields than its limit"
                    )
                }
            }
            switch self.fields!.parse(bytes) {
            case .needMore:
                return .needMore
            case .failed(let failure):
                return .failed(failure, lineIsComplete: true)
            case .complete(let end):
                return .complete(length: end)
            }
        }
    }
}

typealias RequestHeadParser = HeadParser<RequestLineParser>
typealias ResponseHeadParser = HeadParser<StatusLineParser>
