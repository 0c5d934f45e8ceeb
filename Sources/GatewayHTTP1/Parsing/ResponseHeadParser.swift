/// Finds and checks one response head at the start of a decoder's input, resumably: empty lines
/// before it (tolerated as before a request line, RFC 9112 §2.2), the status line, then the field
/// lines to the empty line.
struct ResponseHeadParser: Sendable {
    enum Progress: Sendable {
        case needMore
        case complete(length: Int)
        case failed(ParseFailure)
    }

    /// Whether the first byte of the status line has arrived.
    private(set) var started = false
    private var skipped = 0
    private(set) var line = StatusLineParser()
    private var fields: FieldBlockParser?

    var parsedFields: [HTTP1Field] { self.fields?.fields ?? [] }

    mutating func parse(_ input: inout InputBuffer, limits: HTTP1Limits) -> Progress {
        if !self.started {
            while let byte = input.first {
                guard byte == ASCII.cr || byte == ASCII.lf else { break }
                guard byte == ASCII.cr, let next = input.byte(at: 1) else {
                    return byte == ASCII.lf ? .failed(.malformed("a line ends with a bare LF")) : .needMore
                }
                guard next == ASCII.lf else { return .failed(.malformed("a CR is not followed by LF")) }
                input.skip(2)
                self.skipped += 2
                if self.skipped > limits.maxHeadBytes {
                    return .failed(
                        ParseFailure(kind: .headTooLarge, detail: "too many empty lines before the status line")
                    )
                }
            }
            guard !input.isEmpty else { return .needMore }
            self.started = true
        }
        return input.withUnsafeReadableBytes { bytes in
            if self.fields == nil {
                switch self.line.parse(bytes, limit: limits.maxHeadBytes) {
                case .needMore:
                    return .needMore
                case .failed(let failure):
                    return .failed(failure)
                case .complete(let end):
                    self.fields = FieldBlockParser(
                        start: end,
                        limit: limits.maxHeadBytes,
                        maxCount: limits.maxFieldCount,
                        tooLarge: "the response head is over max_header_bytes",
                        tooMany: "the response head has more fields than its limit"
                    )
                }
            }
            switch self.fields!.parse(bytes) {
            case .needMore: return .needMore
            case .failed(let failure): return .failed(failure)
            case .complete(let end): return .complete(length: end)
            }
        }
    }
}
