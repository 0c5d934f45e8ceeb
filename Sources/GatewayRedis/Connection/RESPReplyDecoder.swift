import NIOCore

/// `RESPDecoder` as a NIO decoder: one `RESPValue` per reply.
struct RESPReplyDecoder: NIOSingleStepByteToMessageDecoder {
    typealias InboundOut = RESPValue

    private var decoder: RESPDecoder

    init(limits: RESPDecoder.Limits) {
        self.decoder = RESPDecoder(limits: limits)
    }

    mutating func decode(buffer: inout ByteBuffer) throws -> RESPValue? {
        try self.decoder.next(from: &buffer)
    }

    mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> RESPValue? {
        try self.decoder.next(from: &buffer)
    }
}
