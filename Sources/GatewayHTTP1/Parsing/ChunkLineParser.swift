/// Parses one chunk-size line, `chunk-size [ chunk-ext ] CRLF` (RFC 9112 §7.1, §7.1.1),
/// resumably, and stricter than the grammar where parsers disagree:
/// - the size is one or more HEXDIG and nothing else: no sign, no `0x`, no whitespace before
///   or after it (the BWS RFC 9112 §7.1.1 tolerates around `;` is refused too), and it must fit
///   in an `Int` (a size that overflows is how some parsers were made to wrap to a small one);
/// - an extension is `;` name [ `=` ( token / quoted-string ) ], name and token non-empty; a
///   quoted string holds qdtext and quoted-pairs only, so no CR or LF;
/// - the line, size and extensions, is at most `maxBytes` bytes before its CRLF: extensions are
///   otherwise unbounded;
/// - CRLF ends it; a bare CR or LF is refused.
struct ChunkLineParser: Sendable {
    private enum State: UInt8, Sendable {
        case size, extensionStart, extensionName, valueStart, token, quoted, quotedPair, afterQuoted, lf
    }

    private var state = State.size
    private var position = 0
    private var digits = 0
    /// The chunk size, once the line is complete.
    private(set) var size = 0

    mutating func parse(_ bytes: UnsafeRawBufferPointer, maxBytes: Int) -> ParseProgress {
        var index = self.position
        defer { self.position = index }
        while index < bytes.count {
            let byte = bytes[index]
            if self.state != .lf, index >= maxBytes, byte != ASCII.cr {
                return .failed(.malformed("a chunk-size line is over its limit"))
            }
            switch self.state {
            case .size:
                if let digit = ASCII.hexValue(byte) {
                    guard self.size <= (Int.max - digit) >> 4 else {
                        return .failed(.malformed("a chunk size overflows"))
                    }
                    self.size = self.size << 4 | digit
                    self.digits += 1
                } else if self.digits == 0 {
                    return .failed(.malformed("a chunk-size line does not start with a hex digit"))
                } else if byte == ASCII.cr {
                    self.state = .lf
                } else if byte == ASCII.semicolon {
                    self.state = .extensionStart
                } else {
                    return .failed(.malformed("a chunk size is followed by something other than ; or CRLF"))
                }
            case .extensionStart:
                guard ASCII.isTChar(byte) else {
                    return .failed(.malformed("a chunk extension does not start with a token"))
                }
                self.state = .extensionName
            case .extensionName:
                if ASCII.isTChar(byte) {
                    break
                } else if byte == ASCII.equals {
                    self.state = .valueStart
                } else if byte == ASCII.semicolon {
                    self.state = .extensionStart
                } else if byte == ASCII.cr {
                    self.state = .lf
                } else {
                    return .failed(.malformed("a chunk extension name holds a byte outside tchar"))
                }
            case .valueStart:
                if ASCII.isTChar(byte) {
                    self.state = .token
                } else if byte == ASCII.quote {
                    self.state = .quoted
                } else {
                    return .failed(.malformed("a chunk extension has an empty or invalid value"))
                }
            case .token:
                if ASCII.isTChar(byte) {
                    break
                } else if byte == ASCII.semicolon {
                    self.state = .extensionStart
                } else if byte == ASCII.cr {
                    self.state = .lf
                } else {
                    return .failed(.malformed("a chunk extension value holds a byte outside tchar"))
                }
            case .quoted:
                if byte == ASCII.quote {
                    self.state = .afterQuoted
                } else if byte == ASCII.backslash {
                    self.state = .quotedPair
                } else if !Self.isQuotedText(byte) {
                    return .failed(.malformed("a chunk extension's quoted string holds a control character"))
                }
            case .quotedPair:
                guard ASCII.isFieldValueByte(byte) else {
                    return .failed(.malformed("a chunk extension's quoted-pair escapes a control character"))
                }
                self.state = .quoted
            case .afterQuoted:
                if byte == ASCII.semicolon {
                    self.state = .extensionStart
                } else if byte == ASCII.cr {
                    self.state = .lf
                } else {
                    return .failed(.malformed("a chunk extension's quoted string is followed by junk"))
                }
            case .lf:
                guard byte == ASCII.lf else { return .failed(.malformed("a CR is not followed by LF")) }
                index += 1
                return .complete(end: index)
            }
            index += 1
        }
        return .needMore
    }

    /// qdtext (RFC 9110 §5.6.4): HTAB, SP, `!`, `#`–`[`, `]`–`~`, obs-text.
    @inline(__always)
    private static func isQuotedText(_ byte: UInt8) -> Bool {
        ASCII.isFieldValueByte(byte) && byte != ASCII.quote && byte != ASCII.backslash
    }
}
