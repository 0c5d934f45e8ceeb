/// What the fields of a head say about framing and the connection, read in one pass over the
/// field ranges, names compared by length first.
///
/// Refuses (`.malformed`) what makes framing ambiguous:
/// - more than one `Content-Length` field, even with equal values (RFC 9110 §8.6 lets a recipient
///   accept equal ones; llhttp does not, and a list is how `5, 5` smuggles);
/// - a `Content-Length` that is not `0` or a decimal without leading zeros that fits an `Int`
///   (no sign, no space inside, no list, no `005`: RFC 9110 §8.6 is `1*DIGIT`, the zero rule is
///   this codec's, since parsers read leading zeros differently), or that is followed by HTAB
///   (llhttp refuses that; other parsers take it as OWS);
/// - `Content-Length` together with `Transfer-Encoding` (RFC 9112 §6.3 item 3: "ought to be
///   handled as an error");
/// - more than one `Transfer-Encoding` field (a coding list split over fields is the classic
///   TE.TE obfuscation);
/// - more than one `Host` in a request (RFC 9112 §3.2: 400).
struct FramingFields: Sendable {
    var contentLength: Int?
    /// The one `Transfer-Encoding` field, if present.
    var transferEncoding: HTTP1Field?
    var connectionClose = false
    var connectionKeepAlive = false
    var hasUpgrade = false
    var expectsContinue = false

    /// What a `Transfer-Encoding` value asks for.
    enum TransferCoding {
        case chunked
        case unsupported
        case malformed(StaticString)
    }

    init(_ bytes: UnsafeRawBufferPointer, _ fields: [HTTP1Field], isRequest: Bool) throws(ParseFailure) {
        var hosts = 0
        var transferEncodings = 0
        for field in fields {
            let name = field.name
            switch name.count {
            case 4:
                if isRequest, ASCII.equalsLowercase(bytes, name, "host") {
                    hosts += 1
                    guard hosts == 1 else { throw .malformed("more than one Host field") }
                }
            case 6:
                if ASCII.equalsLowercase(bytes, name, "expect"),
                    ASCII.equalsLowercase(bytes, field.value, "100-continue")
                {
                    self.expectsContinue = true
                }
            case 7:
                if ASCII.equalsLowercase(bytes, name, "upgrade") { self.hasUpgrade = true }
            case 10:
                if ASCII.equalsLowercase(bytes, name, "connection") { self.readConnection(bytes, field.value) }
            case 14:
                if ASCII.equalsLowercase(bytes, name, "content-length") {
                    guard self.contentLength == nil else { throw .malformed("more than one Content-Length field") }
                    self.contentLength = try Self.contentLength(bytes, field.value)
                    guard !Self.trailingWhitespace(bytes, field.value).contains(where: { bytes[$0] == ASCII.htab })
                    else {
                        throw .malformed("a tab after the Content-Length value")
                    }
                }
            case 16:
                if ASCII.equalsLowercase(bytes, name, "proxy-connection") { self.readConnection(bytes, field.value) }
            case 17:
                if ASCII.equalsLowercase(bytes, name, "transfer-encoding") {
                    transferEncodings += 1
                    self.transferEncoding = field
                }
            default:
                break
            }
        }
        if transferEncodings > 0, self.contentLength != nil {
            throw .malformed("Content-Length together with Transfer-Encoding")
        }
        if transferEncodings > 1 { throw .malformed("more than one Transfer-Encoding field") }
    }

    /// Connection options (RFC 9110 §7.6.1). `close` is recognised with any OWS around it;
    /// `keep-alive` not when an HTAB follows it, as llhttp does not either: where parsers
    /// disagree, the reading that closes the connection wins.
    private mutating func readConnection(_ bytes: UnsafeRawBufferPointer, _ value: Range<Int>) {
        // The usual values, a lone `keep-alive` followed by CR or a lone `close`, without
        // reading them as lists (the same outcome, for a fifth of the work).
        if value.count == 10, bytes[value.upperBound] == ASCII.cr, ASCII.equalsLowercase(bytes, value, "keep-alive") {
            self.connectionKeepAlive = true
            return
        }
        if value.count == 5, ASCII.equalsLowercase(bytes, value, "close") {
            self.connectionClose = true
            return
        }
        if ASCII.listContains(bytes, value, "close") { self.connectionClose = true }
        let asSent = value.lowerBound..<Self.trailingWhitespace(bytes, value).upperBound
        if ASCII.listContains(bytes, asSent, "keep-alive", trailingTab: false) {
            self.connectionKeepAlive = true
        }
    }

    /// The framing `Transfer-Encoding` gives, nil without one (RFC 9112 §6.1, §6.3): chunked, or
    /// a refusal. A message with `Transfer-Encoding` must be HTTP/1.1 (RFC 9112 §6.1 lets a
    /// recipient treat it as faulty framing in HTTP/1.0).
    func transferEncodingFraming(
        _ bytes: UnsafeRawBufferPointer,
        _ version: HTTP1Version
    ) throws(ParseFailure) -> HTTP1BodyFraming? {
        guard let field = self.transferEncoding else { return nil }
        guard version == .http1_1 else { throw .malformed("Transfer-Encoding in an HTTP/1.0 message") }
        switch Self.transferCoding(bytes, field) {
        case .chunked:
            return .chunked
        case .unsupported:
            throw ParseFailure(kind: .unsupportedTransferEncoding, detail: "a transfer coding other than chunked")
        case .malformed(let detail):
            throw .malformed(detail)
        }
    }

    /// The whitespace a field line had after `value` (which the field parser trimmed off), up to
    /// the line's CR: parsers disagree on what some of it means.
    static func trailingWhitespace(_ bytes: UnsafeRawBufferPointer, _ value: Range<Int>) -> Range<Int> {
        var end = value.upperBound
        while bytes[end] != ASCII.cr { end += 1 }
        return value.upperBound..<end
    }

    /// RFC 9112 §9.3: HTTP/1.1 persists unless `close`; HTTP/1.0 only with `keep-alive` (and,
    /// stricter than llhttp, no `close` beside it).
    func keepAlive(_ version: HTTP1Version) -> Bool {
        switch version {
        case .http1_1: return !self.connectionClose
        case .http1_0: return self.connectionKeepAlive && !self.connectionClose
        }
    }

    /// `0`, or a digit 1–9 then digits, fitting an `Int`.
    static func contentLength(_ bytes: UnsafeRawBufferPointer, _ value: Range<Int>) throws(ParseFailure) -> Int {
        guard let first = value.first.map({ bytes[$0] }) else { throw .malformed("an empty Content-Length") }
        guard first != UInt8(ascii: "0") || value.count == 1 else {
            throw .malformed("a Content-Length with a leading zero")
        }
        var length = 0
        for index in value {
            let byte = bytes[index]
            guard ASCII.isDigit(byte) else { throw .malformed("a Content-Length that is not a decimal number") }
            let (times10, overflow1) = length.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(byte &- 0x30))
            guard !overflow1, !overflow2 else { throw .malformed("a Content-Length that overflows") }
            length = sum
        }
        return length
    }

    /// Reads the `Transfer-Encoding` field (RFC 9112 §6.1, RFC 9110 §10.1.4):
    /// - exactly `chunked` (any case) is chunked;
    /// - a value that is not a valid list of transfer codings is malformed: empty, an empty list
    ///   element, a byte outside the grammar, a parameter without `=` value (`chunked;x`), or
    ///   whitespace after the last coding (llhttp reads `chunked` + HTAB as not chunked and
    ///   `chunked` + SP as chunked: exactly the kind of disagreement smuggling needs);
    /// - `chunked` more than once (`chunked, chunked`) is malformed (§6.1: a sender MUST NOT apply
    ///   it twice);
    /// - anything else valid (`gzip`, `xchunked`, `identity`, `gzip, chunked`, `chunked, gzip`,
    ///   `chunked;q=1`) is a coding this codec does not implement: unsupported (501).
    static func transferCoding(_ bytes: UnsafeRawBufferPointer, _ field: HTTP1Field) -> TransferCoding {
        let value = field.value
        guard !value.isEmpty else { return .malformed("an empty Transfer-Encoding") }
        guard Self.trailingWhitespace(bytes, field.value).isEmpty else {
            return .malformed("whitespace after the last transfer coding")
        }
        if ASCII.equalsLowercase(bytes, value, "chunked") { return .chunked }
        var index = value.lowerBound
        let end = value.upperBound
        var chunkedCount = 0
        func skipWhitespace() {
            while index < end, ASCII.isWhitespace(bytes[index]) { index += 1 }
        }
        func token() -> Range<Int>? {
            let start = index
            while index < end, ASCII.isTChar(bytes[index]) { index += 1 }
            return index > start ? start..<index : nil
        }
        while true {
            skipWhitespace()
            guard let name = token() else {
                return .malformed("a Transfer-Encoding list has an empty or invalid element")
            }
            if ASCII.equalsLowercase(bytes, name, "chunked") { chunkedCount += 1 }
            skipWhitespace()
            while index < end, bytes[index] == ASCII.semicolon {
                index += 1
                skipWhitespace()
                guard token() != nil else { return .malformed("a transfer coding has an invalid parameter") }
                skipWhitespace()
                guard index < end, bytes[index] == ASCII.equals else {
                    return .malformed("a transfer coding parameter has no value")
                }
                index += 1
                skipWhitespace()
                if index < end, bytes[index] == ASCII.quote {
                    guard Self.skipQuotedString(bytes, &index, end) else {
                        return .malformed("a transfer coding parameter has an invalid quoted string")
                    }
                } else if token() == nil {
                    return .malformed("a transfer coding parameter has no value")
                }
                skipWhitespace()
            }
            if index == end { break }
            guard bytes[index] == ASCII.comma else { return .malformed("a Transfer-Encoding list holds junk") }
            index += 1
        }
        return chunkedCount > 1 ? .malformed("chunked applied more than once") : .unsupported
    }

    /// Moves past a quoted-string (RFC 9110 §5.6.4) starting at `index`.
    private static func skipQuotedString(_ bytes: UnsafeRawBufferPointer, _ index: inout Int, _ end: Int) -> Bool {
        index += 1
        while index < end {
            let byte = bytes[index]
            if byte == ASCII.quote {
                index += 1
                return true
            }
            if byte == ASCII.backslash {
                index += 1
                guard index < end else { return false }
            }
            index += 1
        }
        return false
    }

    /// Whether a `Connection` (or `Proxy-Connection`) trailer asks to close, which llhttp honours
    /// too. (Framing fields in trailers are refused while parsing them: `FieldBlockParser`.)
    static func trailersAskToClose(_ bytes: UnsafeRawBufferPointer, _ fields: [HTTP1Field]) -> Bool {
        for field in fields {
            let isConnection =
                ASCII.equalsLowercase(bytes, field.name, "connection")
                || ASCII.equalsLowercase(bytes, field.name, "proxy-connection")
            if isConnection, ASCII.listContains(bytes, field.value, "close") { return true }
        }
        return false
    }
}
