public import NIOCore

/// Reads RESP2 values from a byte stream that arrives in pieces of any size (redis.io, "Redis
/// serialization protocol specification", RESP2).
///
/// Incremental: each complete line and each complete bulk string is consumed as soon as it is
/// there, and arrays are assembled on a stack of open frames, so bytes are never parsed twice and
/// a reply split over many reads costs what one read would.
///
/// Bounded (`Limits`), so a hostile or broken server cannot make the gateway allocate without
/// end: a declared bulk length or array count over its limit, nesting too deep, a line with no
/// CRLF within `maxLineBytes`, or a reply whose bytes pass `maxReplyBytes` is an error at once —
/// before anything is reserved for it. The caller then closes the connection.
public struct RESPDecoder: Sendable {
    /// The largest reply the decoder accepts, in parts.
    public struct Limits: Sendable, Hashable {
        /// The longest bulk string (Redis itself allows 512 MiB; the gateway's replies are short).
        public var maxBulkStringBytes: Int
        /// The most elements in one array.
        public var maxArrayCount: Int
        /// Arrays inside arrays, at most this deep (1: a flat array).
        public var maxDepth: Int
        /// The longest line: a simple string, an error, an integer or a header.
        public var maxLineBytes: Int
        /// The most bytes one top-level reply may span.
        public var maxReplyBytes: Int

        public init(
            maxBulkStringBytes: Int = 1 << 20,
            maxArrayCount: Int = 1024,
            maxDepth: Int = 8,
            maxLineBytes: Int = 64 * 1024,
            maxReplyBytes: Int = 4 << 20
        ) {
            self.maxBulkStringBytes = maxBulkStringBytes
            self.maxArrayCount = maxArrayCount
            self.maxDepth = maxDepth
            self.maxLineBytes = maxLineBytes
            self.maxReplyBytes = maxReplyBytes
        }
    }

    /// An array being filled.
    private struct Frame: Sendable {
        var remaining: Int
        var elements: [RESPValue]
    }

    public let limits: Limits
    private var frames: [Frame] = []
    /// The length of a bulk string whose header was consumed and whose bytes are awaited.
    private var pendingBulkLength: Int?
    /// Bytes consumed so far for the reply being read.
    private var replyBytes = 0

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Whether a reply has been started and not finished.
    public var isMidReply: Bool { !self.frames.isEmpty || self.pendingBulkLength != nil || self.replyBytes > 0 }

    /// The next complete value, consuming its bytes; nil when more bytes are needed (the parts of
    /// a value already read are consumed and kept). Throws on malformed input or a limit passed;
    /// the decoder must not be used after that.
    public mutating func next(from buffer: inout ByteBuffer) throws(RESPDecodingError) -> RESPValue? {
        while true {
            var element: RESPValue
            if let length = self.pendingBulkLength {
                guard buffer.readableBytes >= length + 2 else { return nil }
                let bytes = buffer.readSlice(length: length)!
                guard buffer.readInteger(as: UInt16.self) == 0x0D0A else {
                    throw RESPDecodingError.malformed("a bulk string is not followed by CRLF")
                }
                self.pendingBulkLength = nil
                try self.count(length + 2)
                element = .bulkString(bytes)
            } else {
                guard let line = try self.readLine(&buffer) else { return nil }
                switch line.type {
                case UInt8(ascii: "+"):
                    element = .simpleString(String(buffer: line.content))
                case UInt8(ascii: "-"):
                    element = .error(String(buffer: line.content))
                case UInt8(ascii: ":"):
                    element = .integer(try Self.integer(line.content))
                case UInt8(ascii: "$"):
                    let length = try Self.integer(line.content)
                    if length == -1 {
                        element = .bulkString(nil)
                    } else if length < 0 {
                        throw RESPDecodingError.malformed("a negative bulk string length")
                    } else if length > self.limits.maxBulkStringBytes {
                        throw RESPDecodingError.limit("a bulk string of \(length) bytes")
                    } else {
                        self.pendingBulkLength = Int(length)
                        continue
                    }
                case UInt8(ascii: "*"):
                    let count = try Self.integer(line.content)
                    if count == -1 {
                        element = .array(nil)
                    } else if count < 0 {
                        throw RESPDecodingError.malformed("a negative array length")
                    } else if count > self.limits.maxArrayCount {
                        throw RESPDecodingError.limit("an array of \(count) elements")
                    } else if count == 0 {
                        element = .array([])
                    } else {
                        guard self.frames.count < self.limits.maxDepth else {
                            throw RESPDecodingError.limit("arrays nested more than \(self.limits.maxDepth) deep")
                        }
                        // Reserve no more than a little: the count is the server's word, the
                        // elements are not here yet.
                        var elements: [RESPValue] = []
                        elements.reserveCapacity(min(Int(count), 16))
                        self.frames.append(Frame(remaining: Int(count), elements: elements))
                        continue
                    }
                default:
                    throw RESPDecodingError.malformed("unknown type byte \(line.type)")
                }
            }
            // Put the element in its array, closing every array it completes.
            while !self.frames.isEmpty {
                let last = self.frames.count - 1
                self.frames[last].elements.append(element)
                self.frames[last].remaining -= 1
                guard self.frames[last].remaining == 0 else { break }
                element = .array(self.frames.removeLast().elements)
            }
            if self.frames.isEmpty {
                self.replyBytes = 0
                return element
            }
        }
    }

    /// The type byte and the rest of the next CRLF-terminated line, consumed; nil when the line
    /// is not complete yet.
    private mutating func readLine(
        _ buffer: inout ByteBuffer
    ) throws(RESPDecodingError) -> (type: UInt8, content: ByteBuffer)? {
        let view = buffer.readableBytesView
        // Look no further than the longest line allowed (and its CRLF).
        let window = view.prefix(self.limits.maxLineBytes + 2)
        guard let cr = window.firstIndex(of: UInt8(ascii: "\r")) else {
            if view.count > self.limits.maxLineBytes + 1 {
                throw RESPDecodingError.limit("a line longer than \(self.limits.maxLineBytes) bytes")
            }
            return nil
        }
        let lineLength = cr - view.startIndex
        guard lineLength + 1 < view.count else { return nil }  // the LF has not arrived
        guard view[cr + 1] == UInt8(ascii: "\n") else {
            throw RESPDecodingError.malformed("CR not followed by LF")
        }
        guard lineLength >= 1 else { throw RESPDecodingError.malformed("an empty line") }
        guard lineLength <= self.limits.maxLineBytes else {
            throw RESPDecodingError.limit("a line longer than \(self.limits.maxLineBytes) bytes")
        }
        try self.count(lineLength + 2)
        let type = buffer.readInteger(as: UInt8.self)!
        let content = buffer.readSlice(length: lineLength - 1)!
        buffer.moveReaderIndex(forwardBy: 2)
        return (type, content)
    }

    /// Adds `bytes` to the reply's size, refusing a reply over `maxReplyBytes`.
    private mutating func count(_ bytes: Int) throws(RESPDecodingError) {
        self.replyBytes += bytes
        if self.replyBytes > self.limits.maxReplyBytes {
            throw RESPDecodingError.limit("a reply of more than \(self.limits.maxReplyBytes) bytes")
        }
    }

    /// A RESP integer: an optional minus sign and decimal digits, within Int64.
    private static func integer(_ text: ByteBuffer) throws(RESPDecodingError) -> Int64 {
        let bytes = text.readableBytesView
        var index = bytes.startIndex
        var negative = false
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        guard index < bytes.endIndex else { throw RESPDecodingError.malformed("an empty integer") }
        var magnitude: UInt64 = 0
        while index < bytes.endIndex {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { throw RESPDecodingError.malformed("a non-digit in an integer") }
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit))
            guard !overflow1, !overflow2 else { throw RESPDecodingError.malformed("an integer out of range") }
            magnitude = sum
            index += 1
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { throw RESPDecodingError.malformed("an integer out of range") }
            return Int64(truncatingIfNeeded: 0 &- magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { throw RESPDecodingError.malformed("an integer out of range") }
        return Int64(magnitude)
    }
}

/// Why a byte stream is not RESP2 the gateway accepts.
public struct RESPDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Base: Sendable, Hashable {
        case malformed(String)
        case limit(String)
    }

    private let base: Base

    /// Bytes that are not RESP2.
    static func malformed(_ what: String) -> RESPDecodingError { RESPDecodingError(base: .malformed(what)) }
    /// A value over one of the decoder's limits.
    static func limit(_ what: String) -> RESPDecodingError { RESPDecodingError(base: .limit(what)) }

    /// Whether a limit was passed (rather than the bytes being malformed).
    public var isLimit: Bool {
        if case .limit = self.base { return true }
        return false
    }

    public var description: String {
        switch self.base {
        case .malformed(let what): return "malformed RESP reply: \(what)"
        case .limit(let what): return "RESP reply over the decoder's limits: \(what)"
        }
    }
}
