/// Parses a request line, `method SP request-target SP HTTP-version CRLF` (RFC 9112 §3),
/// resumably and exactly: one SP between the parts (RFC 9112 §3 allows a server to accept other
/// whitespace; parsers that do disagree on where the target ends), a method that is a `token`
/// (RFC 9110 §9.1) and not `PRI`, a target of visible ASCII in one of the four forms of
/// RFC 9112 §3.2, and `HTTP/1.0` or `HTTP/1.1` spelled exactly (RFC 9112 §2.3: the name is
/// case-sensitive).
///
/// The target limit is checked at the byte that crosses it, before the line ends.
struct RequestLineParser: StartLineParser {
    private enum State: UInt8, Sendable {
        case method, target, version, lf
    }

    private static let versionPrefix: StaticString = "HTTP/1."

    private var state = State.method
    private var position = 0
    private var versionIndex = 0
    private(set) var methodEnd = 0
    private(set) var targetStart = 0
    private(set) var targetEnd = 0
    private(set) var version = HTTP1Version.http1_1

    mutating func parse(_ bytes: UnsafeRawBufferPointer, limits: HTTP1Limits) -> ParseProgress {
        let limit = limits.maxHeadBytes
        let maxTargetBytes = limits.maxTargetBytes
        let end = min(bytes.count, limit)
        var index = self.position
        defer { self.position = index }
        while index < end {
            switch self.state {
            case .method:
                while index < end, ASCII.isTChar(bytes[index]) { index += 1 }
                guard index < end else { break }
                guard bytes[index] == ASCII.sp, index > 0 else {
                    return .failed(.malformed("the request line does not start with a method and one SP"))
                }
                // RFC 9113 §3.4, §11.6: `PRI` is the HTTP/2 connection preface, never a request.
                guard !ASCII.equals(bytes, 0..<index, "PRI") else {
                    return .failed(.malformed("the PRI method (an HTTP/2 connection preface)"))
                }
                self.methodEnd = index
                index += 1
                self.targetStart = index
                self.state = .target
            case .target:
                let targetLimit = self.targetStart + maxTargetBytes
                let stop = min(end, targetLimit)
                while index < stop, ASCII.isVisible(bytes[index]) { index += 1 }
                guard index < end else { break }
                let byte = bytes[index]
                if byte == ASCII.sp {
                    self.targetEnd = index
                    let method = 0..<self.methodEnd
                    guard
                        Self.targetIsValid(
                            bytes,
                            self.targetRange,
                            isConnect: ASCII.equals(bytes, method, "CONNECT"),
                            isOptions: ASCII.equals(bytes, method, "OPTIONS")
                        )
                    else {
                        return .failed(.malformed("the request target has no form RFC 9112 allows for its method"))
                    }
                    index += 1
                    self.state = .version
                } else if index == targetLimit, ASCII.isVisible(byte) {
                    return .failed(ParseFailure(kind: .uriTooLong, detail: "the request target is over max_uri_bytes"))
                } else {
                    return .failed(.malformed("the request target holds a byte outside visible ASCII"))
                }
            case .version:
                let byte = bytes[index]
                if self.versionIndex < 7 {
                    guard byte == Self.versionPrefix.utf8Start[self.versionIndex] else {
                        return .failed(.malformed("the request line does not end in SP HTTP/1.0 or SP HTTP/1.1"))
                    }
                } else if self.versionIndex == 7 {
                    guard byte == UInt8(ascii: "0") || byte == UInt8(ascii: "1") else {
                        return .failed(.malformed("the request line does not end in SP HTTP/1.0 or SP HTTP/1.1"))
                    }
                    self.version = byte == UInt8(ascii: "0") ? .http1_0 : .http1_1
                } else {
                    guard byte == ASCII.cr else {
                        return .failed(.malformed("the request line does not end in SP HTTP/1.0 or SP HTTP/1.1"))
                    }
                    self.state = .lf
                }
                self.versionIndex += 1
                index += 1
            case .lf:
                guard bytes[index] == ASCII.lf else { return .failed(.malformed("a CR is not followed by LF")) }
                index += 1
                return .complete(end: index)
            }
        }
        if index == limit, bytes.count > limit {
            return .failed(ParseFailure(kind: .headTooLarge, detail: "the head is over max_header_bytes"))
        }
        return .needMore
    }

    var methodRange: Range<Int> { 0..<self.methodEnd }
    var targetRange: Range<Int> { self.targetStart..<self.targetEnd }

    /// Whether `target` has a form RFC 9112 §3.2 allows for `method`, in the subset llhttp
    /// accepts too (its URL parser is the reference):
    /// - origin-form: `/` then visible ASCII (the path and query are the router's to judge);
    /// - asterisk-form: exactly `*`, for `OPTIONS` only (§3.2.4);
    /// - absolute-form: letters, `://`, a non-empty authority of userinfo and host characters
    ///   with at most one `@`, then nothing, or `/` or `?` and visible ASCII (§3.2.2);
    /// - authority-form: `host:port`, for `CONNECT` only, and `CONNECT` takes no other (§3.2.3).
    static func targetIsValid(
        _ bytes: UnsafeRawBufferPointer,
        _ target: Range<Int>,
        isConnect: Bool,
        isOptions: Bool
    ) -> Bool {
        guard let first = target.first.map({ bytes[$0] }) else { return false }
        if isConnect { return Self.isAuthorityForm(bytes, target) }
        if first == UInt8(ascii: "/") { return true }
        if first == UInt8(ascii: "*") { return target.count == 1 && isOptions }
        return Self.isAbsoluteForm(bytes, target)
    }

    /// `uri-host ":" port`: host characters (unreserved, sub-delims, `%`, `[`, `]`, `:` for an
    /// IPv6 literal) and 1–5 digits of port.
    private static func isAuthorityForm(_ bytes: UnsafeRawBufferPointer, _ target: Range<Int>) -> Bool {
        var colon: Int?
        for index in target {
            let byte = bytes[index]
            if byte == ASCII.colon { colon = index }
            guard Self.isHostByte(byte) || byte == ASCII.colon else { return false }
        }
        guard let colon, colon > target.lowerBound else { return false }
        let port = (colon + 1)..<target.upperBound
        guard (1...5).contains(port.count) else { return false }
        return port.allSatisfy { ASCII.isDigit(bytes[$0]) }
    }

    private static func isAbsoluteForm(_ bytes: UnsafeRawBufferPointer, _ target: Range<Int>) -> Bool {
        var index = target.lowerBound
        while index < target.upperBound, ASCII.isAlpha(bytes[index]) { index += 1 }
        // scheme "://"
        guard index > target.lowerBound, index + 3 <= target.upperBound, bytes[index] == ASCII.colon,
            bytes[index + 1] == UInt8(ascii: "/"), bytes[index + 2] == UInt8(ascii: "/")
        else { return false }
        index += 3
        let authorityStart = index
        var sawAt = false
        while index < target.upperBound {
            let byte = bytes[index]
            if byte == UInt8(ascii: "/") || byte == UInt8(ascii: "?") { break }
            if byte == UInt8(ascii: "@") {
                guard !sawAt else { return false }
                sawAt = true
            } else if !(Self.isHostByte(byte) || byte == ASCII.colon) {
                return false
            }
            index += 1
        }
        // The rest, if any, starts with `/` or `?` and is visible ASCII (checked while scanning).
        return index > authorityStart
    }

    /// unreserved / sub-delims / `%` / `[` / `]` (RFC 3986 §3.2), the characters llhttp accepts
    /// in a URL's server part, `@` and `:` aside.
    @inline(__always)
    private static func isHostByte(_ byte: UInt8) -> Bool {
        if ASCII.isAlpha(byte) || ASCII.isDigit(byte) { return true }
        switch byte {
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "%"),
            UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
            UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"),
            UInt8(ascii: "="), UInt8(ascii: "["), UInt8(ascii: "]"):
            return true
        default:
            return false
        }
    }
}
