import NIOCore

/// Hands the HTTP/1.1 handler a buffer of its own for what NIOSSL decrypted.
///
/// NIOSSL passes on a view of its 32 KiB plaintext buffer and decrypts the next record into
/// that same buffer. The HTTP/1.1 handler parses in place and keeps a request's bytes until
/// its exchange ends, so NIOSSL's next read found the buffer shared and copied all 32 KiB of it
/// (copy-on-write): 5 % of the CPU of a small request over TLS. Copying the few hundred bytes
/// the handler actually received leaves NIOSSL its buffer. (No maintained handler does this.)
final class TLSPlaintextCopier: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let received = TLSPlaintextCopier.unwrapInboundIn(data)
        var copy = ChannelAllocator.shared.buffer(capacity: received.readableBytes)
        copy.writeImmutableBuffer(received)
        context.fireChannelRead(NIOAny.bytes(copy))
    }
}
