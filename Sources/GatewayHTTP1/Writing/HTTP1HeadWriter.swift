public import NIOCore

/// Serialises an HTTP/1.1 request or response head straight into a `ByteBuffer` (RFC 9112 §3,
/// §4, §5).
///
/// Hand-written because NIOHTTP1's encoders take an `HTTPRequestHead`/`HTTPResponseHead` whose
/// `HTTPHeaders` must first be built field by field and travel through the pipeline as `NIOAny`:
/// on the proxy's hot path that was a second copy of every field and several allocations per
/// message. Fields received in an `HTTP1Fields` block are copied byte for byte (`copy`), without
/// a `String`.
///
/// Text given as a `String` never carries a line break into the head: CR, LF and NUL (which the
/// decoder would not have accepted from a peer, but which a token claim could hold) are written
/// as spaces, so no field can be injected. Bytes copied from a decoded block were already
/// checked by the decoder.
public struct HTTP1HeadWriter: Sendable {
    public private(set) var buffer: ByteBuffer

    public init(allocator: ByteBufferAllocator, capacity: Int = 512) {
        self.buffer = allocator.buffer(capacity: capacity)
    }

    /// Continues writing into `buffer` (for a trailer section after a last chunk).
    public init(appendingTo buffer: ByteBuffer) {
        self.buffer = buffer
    }

    /// `METHOD target HTTP/1.1` CRLF.
    public mutating func writeRequestLine(method: HTTP1Method, target: String) {
        self.buffer.writeString(method.rawValue)
        self.buffer.writeInteger(ASCII.sp)
        self.writeSanitized(target)
        self.buffer.writeStaticString(" HTTP/1.1\r\n")
    }

    /// `METHOD target HTTP/1.1` CRLF for a method given as text (an HTTP/2 `:method`), in one
    /// reservation.
    public mutating func writeRequestLine(method: String, target: String) {
        var method = method
        var target = target
        method.withUTF8 { method in
            target.withUTF8 { target in
                let version = Self.requestLineEnd
                let count = method.count + 1 + target.count + version.utf8CodeUnitCount
                self.buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { line in
                    var index = Self.put(UnsafeRawBufferPointer(method), into: line, at: 0, sanitized: true)
                    line[index] = ASCII.sp
                    index = Self.put(UnsafeRawBufferPointer(target), into: line, at: index + 1, sanitized: true)
                    index = Self.put(UnsafeRawBufferPointer(start: version.utf8Start, count: version.utf8CodeUnitCount), into: line, at: index, sanitized: false)
                    precondition(index == count, "the line is as long as announced")
                    return count
                }
            }
        }
    }

    private static let requestLineEnd: StaticString = " HTTP/1.1\r\n"

    /// `METHOD target HTTP/1.1` CRLF, the target copied from a decoded request head.
    public mutating func writeRequestLine(method: HTTP1Method, targetOf head: HTTP1RequestHead) {
        self.buffer.writeString(method.rawValue)
        self.buffer.writeInteger(ASCII.sp)
        self.writeBytes(head.target, of: head.fields.buffer)
        self.buffer.writeStaticString(" HTTP/1.1\r\n")
    }

    /// `HTTP/1.1 code reason` CRLF. `status` must be 100–999.
    public mutating func writeStatusLine(status: Int, reason: String) {
        self.writeStatusCode(status)
        self.writeSanitized(reason)
        self.buffer.writeStaticString("\r\n")
    }

    /// `HTTP/1.1 code reason` CRLF with the status's usual reason phrase (RFC 9110 §15).
    public mutating func writeStatusLine(status: Int) {
        self.writeStatusCode(status)
        self.buffer.writeStaticString(Self.reasonPhrase(for: status))
        self.buffer.writeStaticString("\r\n")
    }

    /// `HTTP/1.1 code reason` CRLF, the reason phrase copied from `reason` in `fields.buffer` (as a
    /// decoded `HTTP1ResponseHead` gives it). `status` must be 100–999.
    public mutating func writeStatusLine(status: Int, reason: Range<Int>, from fields: HTTP1Fields) {
        precondition((100...999).contains(status), "a status code has three digits")
        fields.buffer.withUnsafeReadableBytes { bytes in
            let count = 13 + reason.count + 2
            self.buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { line in
                Self.putStatusCode(status, into: line)
                var index = Self.put(UnsafeRawBufferPointer(rebasing: bytes[reason]), into: line, at: 13, sanitized: false)
                line[index] = ASCII.cr
                line[index + 1] = ASCII.lf
                index += 2
                precondition(index == count, "the line is as long as announced")
                return count
            }
        }
    }

    /// `name: value` CRLF, with CR, LF and NUL in either written as spaces. (Disfavoured so
    /// that a literal name takes the `StaticString` form.)
    @_disfavoredOverload
    public mutating func add(name: String, value: String) {
        var name = name
        var value = value
        name.withUTF8 { name in
            value.withUTF8 { value in self.writeLine(UnsafeRawBufferPointer(name), UnsafeRawBufferPointer(value), sanitized: true) }
        }
    }

    /// `name: value` CRLF for a name known at compile time.
    public mutating func add(name: StaticString, value: String) {
        var value = value
        value.withUTF8 { value in self.add(name: name, value: UnsafeRawBufferPointer(value)) }
    }

    /// `name: value` CRLF from bytes (an HTTP/2 field), with CR, LF and NUL written as spaces.
    public mutating func add(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        self.writeLine(name, value, sanitized: true)
    }

    /// `name: value` CRLF for a name known at compile time and a value given as bytes (with CR,
    /// LF and NUL written as spaces; the name is the program's own).
    public mutating func add(name: StaticString, value: UnsafeRawBufferPointer) {
        self.writeLine(name, valueCount: value.count) { target, index in
            index = Self.put(value, into: target, at: index, sanitized: true)
        }
    }

    /// `name: first` `separator` `second` CRLF (such as `jwt:key-1`), without joining the two
    /// into a `String` first; CR, LF and NUL written as spaces.
    public mutating func add(name: StaticString, _ first: String, _ separator: UInt8, _ second: String) {
        var first = first
        var second = second
        first.withUTF8 { first in
            second.withUTF8 { second in
                self.writeLine(name, valueCount: first.count + 1 + second.count) { target, index in
                    index = Self.put(UnsafeRawBufferPointer(first), into: target, at: index, sanitized: true)
                    target[index] = separator
                    index = Self.put(UnsafeRawBufferPointer(second), into: target, at: index + 1, sanitized: true)
                }
            }
        }
    }

    /// `name: v1` `separator` `v2` … CRLF, the values joined in place instead of by
    /// `joined(separator:)`; CR, LF and NUL written as spaces.
    public mutating func add(name: StaticString, joining values: [String], separator: UInt8) {
        var valueCount = max(values.count - 1, 0)
        for value in values { valueCount += value.utf8.count }
        self.writeLine(name, valueCount: valueCount) { target, index in
            for position in values.indices {
                if position > 0 {
                    target[index] = separator
                    index += 1
                }
                var value = values[position]
                index = value.withUTF8 { Self.put(UnsafeRawBufferPointer($0), into: target, at: index, sanitized: true) }
            }
        }
    }

    /// Copies `field` of a decoded block byte for byte: `name: value` CRLF. The decoder has
    /// already refused CR, LF and NUL in both.
    public mutating func copy(_ field: HTTP1Field, from fields: HTTP1Fields) {
        fields.buffer.withUnsafeReadableBytes { bytes in
            self.writeLine(
                UnsafeRawBufferPointer(rebasing: bytes[field.name]),
                UnsafeRawBufferPointer(rebasing: bytes[field.value]),
                sanitized: false
            )
        }
    }

    /// Copies the field lines at `positions` of a decoded head byte for byte, CRLFs included, in
    /// one write (`HTTP1Fields.lines`): the decoder has already refused CR, LF and NUL in them,
    /// and a run of fields forwarded unchanged needs no line-by-line rewriting.
    public mutating func copyLines(_ positions: Range<Int>, of fields: HTTP1Fields) {
        self.writeBytes(fields.lines(positions), of: fields.buffer)
    }

    /// `name: value` CRLF in one reservation and one pass: a head is written field by field on
    /// every proxied request, and four small writes per field each checked the capacity anew.
    /// `sanitized` writes CR, LF and NUL as spaces.
    private mutating func writeLine(_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, sanitized: Bool) {
        self.writeLine(name, sanitized: sanitized, valueCount: value.count) { target, index in
            index = Self.put(value, into: target, at: index, sanitized: sanitized)
        }
    }

    /// `name: ` then `valueCount` bytes from `writeValue` (given the buffer and the offset to
    /// write at, which it moves past what it wrote), then CRLF, in one reservation.
    @inline(__always)
    private mutating func writeLine(
        _ name: UnsafeRawBufferPointer,
        sanitized: Bool,
        valueCount: Int,
        _ writeValue: (UnsafeMutableRawBufferPointer, inout Int) -> Void
    ) {
        let count = name.count + valueCount + 4
        self.buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { target in
            var index = Self.put(name, into: target, at: 0, sanitized: sanitized)
            target[index] = UInt8(ascii: ":")
            target[index + 1] = ASCII.sp
            index += 2
            writeValue(target, &index)
            precondition(index == count - 2, "the value is as long as announced")
            target[index] = ASCII.cr
            target[index + 1] = ASCII.lf
            return count
        }
    }

    /// `writeLine(_:sanitized:valueCount:_:)` for a name known at compile time, which is not
    /// sanitized (`writeValue` sanitizes what it writes).
    private mutating func writeLine(
        _ name: StaticString,
        valueCount: Int,
        _ writeValue: (UnsafeMutableRawBufferPointer, inout Int) -> Void
    ) {
        name.withUTF8Buffer { name in
            self.writeLine(UnsafeRawBufferPointer(name), sanitized: false, valueCount: valueCount, writeValue)
        }
    }

    /// Copies `bytes` into `target` at `offset`; returns the offset after them.
    private static func put(
        _ bytes: UnsafeRawBufferPointer,
        into target: UnsafeMutableRawBufferPointer,
        at offset: Int,
        sanitized: Bool
    ) -> Int {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return offset }
        (target.baseAddress! + offset).copyMemory(from: source, byteCount: bytes.count)
        if sanitized { Self.sanitize(target, offset..<(offset + bytes.count)) }
        return offset + bytes.count
    }

    /// Writes CR, LF and NUL in `range` of `target` as spaces. CR, LF and NUL are all below
    /// 0x0E, so eight bytes at a time are first tested for any byte below it (the "has a byte
    /// less than n" word test, exact as a yes or no); only a word that has one is looked at
    /// byte by byte.
    @inline(__always)
    private static func sanitize(_ target: UnsafeMutableRawBufferPointer, _ range: Range<Int>) {
        let ones: UInt64 = 0x0101_0101_0101_0101
        var index = range.lowerBound
        while range.upperBound - index >= 8 {
            let word = target.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            if (word &- ones &* 0x0E) & ~word & (ones &* 0x80) != 0 {
                Self.sanitizeBytes(target, index..<(index + 8))
            }
            index += 8
        }
        Self.sanitizeBytes(target, index..<range.upperBound)
    }

    @inline(__always)
    private static func sanitizeBytes(_ target: UnsafeMutableRawBufferPointer, _ range: Range<Int>) {
        for index in range where target[index] <= 0x0D {
            let byte = target[index]
            if byte == ASCII.cr || byte == ASCII.lf || byte == 0 { target[index] = ASCII.sp }
        }
    }

    /// Writes bytes the writer does not check (framing the caller owns, such as a chunk size).
    public mutating func writeRaw(_ text: StaticString) {
        self.buffer.writeStaticString(text)
    }

    /// Copies `lines`: complete field lines another writer made (its `buffer`), such as a set of
    /// fields encoded once and sent with many heads.
    public mutating func writeLines(_ lines: ByteBuffer) {
        var lines = lines
        self.buffer.writeBuffer(&lines)
    }

    /// Ends the head (the empty line) and hands the bytes over.
    public mutating func finish() -> ByteBuffer {
        self.buffer.writeStaticString("\r\n")
        return self.buffer
    }

    /// `HTTP/1.1 ` and the three digits and a space, in one reservation.
    private mutating func writeStatusCode(_ status: Int) {
        precondition((100...999).contains(status), "a status code has three digits")
        self.buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 13) { target in
            Self.putStatusCode(status, into: target)
            return 13
        }
    }

    /// `HTTP/1.1 ` and the three digits and a space: the first 13 bytes of `target`.
    @inline(__always)
    private static func putStatusCode(_ status: Int, into target: UnsafeMutableRawBufferPointer) {
        let index = Self.put(UnsafeRawBufferPointer(start: Self.statusPrefix.utf8Start, count: 9), into: target, at: 0, sanitized: false)
        target[index] = UInt8(truncatingIfNeeded: 0x30 + status / 100)
        target[index + 1] = UInt8(truncatingIfNeeded: 0x30 + status / 10 % 10)
        target[index + 2] = UInt8(truncatingIfNeeded: 0x30 + status % 10)
        target[index + 3] = ASCII.sp
    }

    private static let statusPrefix: StaticString = "HTTP/1.1 "

    /// Copies `range` of `source`'s readable bytes (straight from its storage: no slice, so no
    /// reference to retain and release for each field).
    private mutating func writeBytes(_ range: Range<Int>, of source: ByteBuffer) {
        source.withUnsafeReadableBytes { bytes in
            _ = self.buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[range]))
        }
    }

    private mutating func writeSanitized(_ text: String) {
        var text = text
        text.withUTF8 { self.writeSanitized(UnsafeRawBufferPointer($0)) }
    }

    /// Copies `bytes` with CR, LF and NUL written as spaces.
    private mutating func writeSanitized(_ bytes: UnsafeRawBufferPointer) {
        self.buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: bytes.count) { target in
            Self.put(bytes, into: target, at: 0, sanitized: true)
        }
    }

    /// The usual reason phrase of a status (RFC 9110 §15); clients ignore it (RFC 9112 §4).
    static func reasonPhrase(for status: Int) -> StaticString {
        switch status {
        case 100: return "Continue"
        case 200: return "OK"
        case 201: return "Created"
        case 204: return "No Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 304: return "Not Modified"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 499: return "Client Closed Request"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return "Status"
        }
    }
}
