import NIOCore
import NIOHTTP1

/// Something header fields can be added to: `HTTPHeaders` (for the HTTP/2 codec) or a
/// `HeadWriter` (HTTP/1.1 bytes). The forwarding rules are written once, against this.
protocol FieldSink {
    mutating func add(name: String, value: String)
}

extension HTTPHeaders: FieldSink {}

/// Serialises an HTTP/1.1 request or response head straight into a `ByteBuffer`.
///
/// Hand-written because NIOHTTP1's encoders take an `HTTPRequestHead`/`HTTPResponseHead` whose
/// `HTTPHeaders` must first be built field by field and then travel through the pipeline as
/// `NIOAny`: on the proxy's hot path that was a second copy of every field and several
/// allocations per message. Only serialisation is hand-written; parsing stays llhttp's.
///
/// Values never carry a line break into the head: CR, LF and NUL (which llhttp would not have
/// accepted from a client, but which a token claim could hold) are written as spaces, so no
/// field can be injected.
struct HeadWriter: FieldSink {
    private(set) var buffer: ByteBuffer

    init(allocator: ByteBufferAllocator, capacity: Int = 512) {
        self.buffer = allocator.buffer(capacity: capacity)
    }

    /// `METHOD target HTTP/1.1`.
    mutating func writeRequestLine(method: HTTPMethod, target: String) {
        self.buffer.writeString(method.rawValue)
        self.buffer.writeInteger(UInt8(ascii: " "))
        self.writeSanitized(target)
        self.buffer.writeStaticString(" HTTP/1.1\r\n")
    }

    /// `HTTP/1.1 code reason`.
    mutating func writeStatusLine(_ status: HTTPResponseStatus) {
        self.buffer.writeStaticString("HTTP/1.1 ")
        self.buffer.writeString(String(status.code))
        self.buffer.writeInteger(UInt8(ascii: " "))
        self.writeSanitized(status.reasonPhrase)
        self.buffer.writeStaticString("\r\n")
    }

    mutating func add(name: String, value: String) {
        self.writeSanitized(name)
        self.buffer.writeStaticString(": ")
        self.writeSanitized(value)
        self.buffer.writeStaticString("\r\n")
    }

    /// Ends the head (the empty line) and hands the bytes over.
    mutating func finish() -> ByteBuffer {
        self.buffer.writeStaticString("\r\n")
        return self.buffer
    }

    /// Writes bytes the writer does not check (framing the caller owns, such as a chunk size).
    mutating func writeRaw(_ text: StaticString) {
        self.buffer.writeStaticString(text)
    }

    private mutating func writeSanitized(_ text: String) {
        let start = self.buffer.writerIndex - self.buffer.readerIndex
        self.buffer.writeString(text)
        self.buffer.withUnsafeMutableReadableBytes { bytes in
            // One comparison per byte in the common case: CR, LF and NUL are all at most 0x0D.
            for index in start..<bytes.count where bytes[index] <= 0x0D {
                let byte = bytes[index]
                if byte == 0x0D || byte == 0x0A || byte == 0 { bytes[index] = UInt8(ascii: " ") }
            }
        }
    }
}

/// `Transfer-Encoding: chunked` framing for bodies the gateway re-frames (RFC 9112 §7.1).
enum ChunkedFraming {
    /// Writes `bytes` as one chunk (size line, data, CRLF) through `write`; nothing for an
    /// empty buffer, whose chunk would end the body.
    static func writeChunk(_ bytes: ByteBuffer, allocator: ByteBufferAllocator, _ write: (ByteBuffer) -> Void) {
        guard bytes.readableBytes > 0 else { return }
        var sizeLine = allocator.buffer(capacity: 18)
        sizeLine.writeString(String(bytes.readableBytes, radix: 16))
        sizeLine.writeStaticString("\r\n")
        write(sizeLine)
        write(bytes)
        var end = allocator.buffer(capacity: 2)
        end.writeStaticString("\r\n")
        write(end)
    }

    /// The last chunk, any trailer fields and the final empty line.
    static func lastChunk(trailers: HTTPHeaders?, allocator: ByteBufferAllocator) -> ByteBuffer {
        var writer = HeadWriter(allocator: allocator, capacity: trailers == nil ? 5 : 128)
        writer.writeRaw("0\r\n")
        for (name, value) in trailers ?? [:] { writer.add(name: name, value: value) }
        return writer.finish()
    }
}
