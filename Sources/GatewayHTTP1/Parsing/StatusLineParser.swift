/// Parses a status line, `HTTP-version SP status-code SP [ reason-phrase ] CRLF` (RFC 9112 §4),
/// resumably: `HTTP/1.0` or `HTTP/1.1` exactly, three digits from 100 to 599 (RFC 9110 §15:
/// other values are invalid), and a reason phrase of HTAB, SP, VCHAR and obs-text. As llhttp
/// does, a line that ends right after the status code (no SP, no reason) is accepted: nothing
/// depends on the reason phrase (RFC 9112 §4: a client SHOULD ignore it).
struct StatusLineParser: StartLineParser {
    private enum State: UInt8, Sendable {
        case version, status, afterStatus, reason, lf
    }

    private static let versionPrefix: StaticString = "HTTP/1."

    private var state = State.version
    private var position = 0
    private var index = 0
    private(set) var version = HTTP1Version.http1_1
    private(set) var status = 0
    private(set) var reasonStart = 0
    private(set) var reasonEnd = 0

    mutating func parse(_ bytes: UnsafeRawBufferPointer, limits: HTTP1Limits) -> ParseProgress {
        let limit = limits.maxHeadBytes
        let end = min(bytes.count, limit)
        var offset = self.position
        defer { self.position = offset }
        while offset < end {
            let byte = bytes[offset]
            switch self.state {
            case .version:
                if self.index < 7 {
                    guard byte == Self.versionPrefix.utf8Start[self.index] else {
                        return .failed(.malformed("the status line does not start with HTTP/1.0 or HTTP/1.1"))
                    }
                } else if self.index == 7 {
                    guard byte == UInt8(ascii: "0") || byte == UInt8(ascii: "1") else {
                        return .failed(.malformed("the status line does not start with HTTP/1.0 or HTTP/1.1"))
                    }
                    self.version = byte == UInt8(ascii: "0") ? .http1_0 : .http1_1
                } else {
                    guard byte == ASCII.sp else { return .failed(.malformed("no single SP after the version")) }
                    self.state = .status
                    self.index = 0
                    offset += 1
                    continue
                }
                self.index += 1
            case .status:
                guard ASCII.isDigit(byte) else { return .failed(.malformed("the status code is not three digits")) }
                self.status = self.status * 10 + Int(byte &- 0x30)
                self.index += 1
                if self.index == 3 {
                    guard (100...599).contains(self.status) else {
                        return .failed(.malformed("the status code is outside 100–599"))
                    }
                    self.state = .afterStatus
                }
            case .afterStatus:
                if byte == ASCII.sp {
                    self.reasonStart = offset + 1
                    self.state = .reason
                } else if byte == ASCII.cr {
                    self.reasonStart = offset
                    self.reasonEnd = offset
                    self.state = .lf
                } else {
                    return .failed(.malformed("the status code is not three digits"))
                }
            case .reason:
                var scan = offset
                while scan < end, ASCII.isFieldValueByte(bytes[scan]) { scan += 1 }
                offset = scan
                guard scan < end else { continue }
                guard bytes[scan] == ASCII.cr else {
                    return .failed(.malformed("the reason phrase holds a control character or a bare LF"))
                }
                self.reasonEnd = scan
                self.state = .lf
            case .lf:
                guard byte == ASCII.lf else { return .failed(.malformed("a CR is not followed by LF")) }
                offset += 1
                return .complete(end: offset)
            }
            offset += 1
        }
        if offset == limit, bytes.count > limit {
            return .failed(ParseFailure(kind: .headTooLarge, detail: "the head is over max_header_bytes"))
        }
        return .needMore
    }
}
