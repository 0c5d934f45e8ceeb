/// Parses field lines up to the empty line that ends them (RFC 9112 §5, §2.1), resumably: it
/// keeps its place when the bytes run out and continues when more have arrived, so the outcome
/// does not depend on how the bytes were split.
///
/// Used for the fields of a head and for a trailer section (RFC 9112 §7.1.2). It refuses, at the
/// first byte that shows it:
/// - a line starting with SP or HTAB: obs-fold, which RFC 9112 §5.2 lets a server refuse and
///   which parsers unfold differently;
/// - whitespace between a field name and its colon (RFC 9112 §5.1: MUST be refused);
/// - an empty name, or a name byte outside `tchar` (RFC 9110 §5.1);
/// - a control character other than HTAB in a value, NUL and DEL included (RFC 9110 §5.5);
///   obs-text (0x80–0xFF) is accepted;
/// - a CR not followed by LF, and an LF not preceded by CR (RFC 9112 §2.2 allows a recipient
///   to accept a bare LF; this codec does not: parsers disagree on it);
/// - more fields than `maxCount`, or a block passing offset `limit`;
/// - in a trailer section, `Content-Length` and `Transfer-Encoding`, as soon as the name is read
///   (RFC 9110 §6.5.1: framing fields cannot be trailers; llhttp refuses them as early).
struct FieldBlockParser: Sendable {
    private enum State: UInt8, Sendable {
        case lineStart, name, beforeValue, value, valueLF, blockLF
    }

    private var state = State.lineStart
    /// The next byte to look at, an offset into the bytes given to `parse`.
    private(set) var position: Int
    private var nameStart = 0
    private var nameEnd = 0
    private var valueStart = 0
    /// The fields parsed so far (offsets relative to the same bytes).
    private(set) var fields: [HTTP1Field]
    /// The block may not extend past this offset.
    private let limit: Int
    private let maxCount: Int
    private let tooLarge: StaticString
    private let tooMany: StaticString
    private let isTrailerSection: Bool

    init(
        start: Int,
        limit: Int,
        maxCount: Int,
        tooLarge: StaticString,
        tooMany: StaticString,
        isTrailerSection: Bool = false
    ) {
        self.position = start
        self.limit = limit
        self.maxCount = maxCount
        self.tooLarge = tooLarge
        self.tooMany = tooMany
        self.isTrailerSection = isTrailerSection
        self.fields = []
        self.fields.reserveCapacity(min(maxCount, 24))
    }

    private static func isFramingField(_ bytes: UnsafeRawBufferPointer, _ name: Range<Int>) -> Bool {
        ASCII.equalsLowercase(bytes, name, "content-length") || ASCII.equalsLowercase(bytes, name, "transfer-encoding")
    }

    /// Continues through `bytes` (everything buffered, from the same start as before).
    mutating func parse(_ bytes: UnsafeRawBufferPointer) -> ParseProgress {
        let end = min(bytes.count, self.limit)
        var index = self.position
        defer { self.position = index }
        while index < end {
            switch self.state {
            case .lineStart:
                let byte = bytes[index]
                if ASCII.isTChar(byte) {
                    guard self.fields.count < self.maxCount else {
                        return .failed(ParseFailure(kind: .headTooLarge, detail: self.tooMany))
                    }
                    self.nameStart = index
                    index += 1
                    self.state = .name
                } else if byte == ASCII.cr {
                    index += 1
                    self.state = .blockLF
                } else if ASCII.isWhitespace(byte) {
                    return .failed(.malformed("a field line starts with whitespace (obs-fold)"))
                } else if byte == ASCII.colon {
                    return .failed(.malformed("a field line has an empty name"))
                } else if byte == ASCII.lf {
                    return .failed(.malformed("a line ends with a bare LF"))
                } else {
                    return .failed(.malformed("a field name holds a byte outside tchar"))
                }
            case .name:
                index = ASCII.tokenEnd(bytes, from: index, to: end)
                guard index < end else { break }
                let byte = bytes[index]
                if byte == ASCII.colon {
                    self.nameEnd = index
                    if self.isTrailerSection, Self.isFramingField(bytes, self.nameStart..<index) {
                        return .failed(.malformed("a framing field (Content-Length, Transfer-Encoding) in trailers"))
                    }
                    index += 1
                    self.state = .beforeValue
                } else if ASCII.isWhitespace(byte) {
                    return .failed(.malformed("whitespace between a field name and its colon"))
                } else {
                    return .failed(.malformed("a field name holds a byte outside tchar"))
                }
            case .beforeValue:
                while index < end, ASCII.isWhitespace(bytes[index]) { index += 1 }
                guard index < end else { break }
                self.valueStart = index
                self.state = .value
            case .value:
                index = ASCII.fieldValueEnd(bytes, from: index, to: end)
                guard index < end else { break }
                let byte = bytes[index]
                guard byte == ASCII.cr else {
                    return .failed(
                        .malformed(
                            byte == ASCII.lf ? "a line ends with a bare LF" : "a field value holds a control character"
                        )
                    )
                }
                var valueEnd = index
                while valueEnd > self.valueStart, ASCII.isWhitespace(bytes[valueEnd - 1]) { valueEnd -= 1 }
                self.fields.append(HTTP1Field(name: self.nameStart..<self.nameEnd, value: self.valueStart..<valueEnd))
                index += 1
                self.state = .valueLF
            case .valueLF:
                guard bytes[index] == ASCII.lf else { return .failed(.malformed("a CR is not followed by LF")) }
                index += 1
                self.state = .lineStart
            case .blockLF:
                guard bytes[index] == ASCII.lf else { return .failed(.malformed("a CR is not followed by LF")) }
                index += 1
                return .complete(end: index)
            }
        }
        if index == self.limit, bytes.count > self.limit {
            return .failed(ParseFailure(kind: .headTooLarge, detail: self.tooLarge))
        }
        return .needMore
    }
}
