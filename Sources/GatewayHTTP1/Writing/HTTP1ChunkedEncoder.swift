public import NIOCore

/// `Transfer-Encoding: chunked` framing for bodies the gateway re-frames (RFC 9112 §7.1): a
/// size line before each chunk's data, CRLF after it, and a last chunk with optional trailer
/// fields. The data itself is passed through, never copied.
public struct HTTP1ChunkedEncoder: Sendable {
    private let allocator: ByteBufferAllocator
    private let crlf: ByteBuffer
    /// Whether the last chunk was written; no chunk may follow it.
    public private(set) var isFinished = false

    public init(allocator: ByteBufferAllocator) {
        self.allocator = allocator
        self.crlf = Self.sharedCRLF
    }

    /// The CRLF after each chunk's data: one immutable buffer every encoder writes (a write only
    /// reads it), so an encoder costs no allocation to make and none to keep.
    private static let sharedCRLF: ByteBuffer = {
        var crlf = ByteBufferAllocator().buffer(capacity: 2)
        crlf.writeStaticString("\r\n")
        return crlf
    }()

    /// Writes `bytes` as one chunk through `write`: its size line, the data, CRLF. Writes nothing
    /// for an empty buffer, whose chunk would end the body.
    public func writeChunk(_ bytes: ByteBuffer, _ write: (ByteBuffer) -> Void) {
        precondition(!self.isFinished, "no chunk after the last chunk")
        guard bytes.readableBytes > 0 else { return }
        write(self.chunkHeader(size: bytes.readableBytes))
        write(bytes)
        write(self.crlf)
    }

    /// The size line of a chunk of `size` bytes: lowercase hex digits, CRLF.
    public func chunkHeader(size: Int) -> ByteBuffer {
        precondition(size > 0, "a chunk of zero bytes is the last chunk")
        var line = self.allocator.buffer(capacity: 18)
        Self.writeHex(size, into: &line)
        line.writeStaticString("\r\n")
        return line
    }

    /// The last chunk and the empty line that ends a body without trailers: `0` CRLF CRLF.
    public mutating func lastChunk() -> ByteBuffer {
        var writer = self.lastChunkWithTrailers()
        return writer.finish()
    }

    /// A head writer holding the last chunk (`0` CRLF), to add trailer fields to (RFC 9112
    /// §7.1.2) and `finish()`.
    public mutating func lastChunkWithTrailers(capacity: Int = 5) -> HTTP1HeadWriter {
        precondition(!self.isFinished, "the last chunk is written once")
        self.isFinished = true
        var writer = HTTP1HeadWriter(allocator: self.allocator, capacity: capacity)
        writer.writeRaw("0\r\n")
        return writer
    }

    static func writeHex(_ value: Int, into buffer: inout ByteBuffer) {
        var shift = (Int.bitWidth - value.leadingZeroBitCount + 3) / 4 * 4 - 4
        while shift >= 0 {
            let digit = UInt8(truncatingIfNeeded: value >> shift & 0xF)
            buffer.writeInteger(digit < 10 ? 0x30 + digit : 0x57 + digit)
            shift -= 4
        }
    }
}
