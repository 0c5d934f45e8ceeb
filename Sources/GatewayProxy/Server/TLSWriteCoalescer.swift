import NIOCore

/// Gathers what the HTTP/1.1 handler writes between two flushes into one buffer of up to one
/// TLS record (16 KiB), so that NIOSSL encrypts a response's head and body as one record with
/// one `SSL_write`, where it would otherwise make one record per write (nginx's
/// `ssl_buffer_size` does the same). Larger writes pass through untouched, in order.
///
/// Written here because NIOSSL encrypts each write it is given as it comes; swift-nio-extras
/// has no coalescing handler for this.
final class TLSWriteCoalescer: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The largest TLS record's plaintext (RFC 8446 §5.1).
    static let recordSize = 16 * 1024

    private var held: ByteBuffer?
    private var heldPromise: EventLoopPromise<Void>?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        var bytes = TLSWriteCoalescer.unwrapOutboundIn(data)
        if var held = self.held {
            if held.readableBytes + bytes.readableBytes <= Self.recordSize {
                self.held = nil  // the only reference: the bytes are appended in place
                held.writeBuffer(&bytes)
                self.held = held
                self.chain(promise)
                return
            }
            self.release(context)
        }
        if bytes.readableBytes < Self.recordSize {
            self.held = bytes
            self.heldPromise = promise
        } else {
            context.write(NIOAny.bytes(bytes), promise: promise)
        }
    }

    func flush(context: ChannelHandlerContext) {
        self.release(context)
        context.flush()
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        // Unflushed writes fail on close, as they would in the channel itself.
        self.held = nil
        self.heldPromise?.fail(ChannelError.ioOnClosedChannel)
        self.heldPromise = nil
        context.close(mode: mode, promise: promise)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.release(context)
    }

    /// Passes the held bytes on (unflushed).
    private func release(_ context: ChannelHandlerContext) {
        guard let held = self.held else { return }
        let promise = self.heldPromise
        self.held = nil
        self.heldPromise = nil
        context.write(NIOAny.bytes(held), promise: promise)
    }

    /// A write merged into the held buffer completes with it.
    private func chain(_ promise: EventLoopPromise<Void>?) {
        guard let promise else { return }
        if let existing = self.heldPromise {
            existing.futureResult.cascade(to: promise)
        } else {
            self.heldPromise = promise
        }
    }
}
