import GatewayHTTP1
import NIOCore

/// The only handler of an upstream connection (after TLS for `https` targets): writes requests
/// as HTTP/1.1 bytes, parses responses in place with the gateway's strict decoder, and reports
/// to the exchange that holds the connection. Reads are held while that exchange's client
/// cannot take more bytes.
final class UpstreamConnection: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var decoder: HTTP1ResponseDecoder
    /// Whether the request being sent has a chunked body (the gateway frames its chunks).
    private var requestIsChunked = false
    /// Frames chunked request bodies (made at the first one; it keeps a CRLF buffer).
    private var chunkEncoder: HTTP1ChunkedEncoder?
    /// Whether a response is awaited or arriving (bytes at any other time are refused).
    private var awaitingResponse = false

    /// The exchange using this connection; nil while it idles in its pool.
    private(set) weak var receiver: (any UpstreamReceiver)?
    private(set) var exchangeID = 0
    /// The pool the connection returns to.
    weak var pool: UpstreamPool?
    private(set) var context: ChannelHandlerContext?
    private var readHeld = false
    /// Whether the connection may carry another request.
    private(set) var isReusable = true

    var isActive: Bool { self.context?.channel.isActive ?? false }
    var isWritable: Bool { self.context?.channel.isWritable ?? false }

    init(limits: HTTP1Limits) {
        self.decoder = HTTP1ResponseDecoder(limits: limits)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Hands the connection to an exchange.
    func attach(to receiver: any UpstreamReceiver, exchangeID: Int) {
        self.receiver = receiver
        self.exchangeID = exchangeID
    }

    /// Takes the connection from its exchange (it goes back to the pool or closes).
    func detach() {
        self.receiver = nil
        self.exchangeID = 0
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard self.awaitingResponse, self.receiver != nil else {
            // An idle connection must not speak: close it rather than hand the bytes to anyone.
            self.close()
            return
        }
        self.decoder.feed(UpstreamConnection.unwrapInboundIn(data))
        self.deliver()
    }

    /// Reports what the decoder has, until it needs more bytes or the exchange lets go.
    private func deliver() {
        while self.awaitingResponse, let receiver = self.receiver {
            let event: HTTP1ResponseEvent?
            do {
                event = try self.decoder.next()
            } catch {
                self.close()
                return
            }
            guard let event else { return }
            switch event {
            case .informational:
                // 1xx interim responses (`103 Early Hints`, …) are not relayed.
                continue
            case .head(let head):
                if !head.keepAlive { self.isReusable = false }
                receiver.upstream(.responseHead(head), exchangeID: self.exchangeID)
            case .body(let bytes):
                receiver.upstream(.responseBody(bytes), exchangeID: self.exchangeID)
            case .end(let trailers):
                self.awaitingResponse = false
                if self.decoder.bufferedBytes > 0 { self.isReusable = false }
                receiver.upstream(.responseEnd(trailers), exchangeID: self.exchangeID)
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.receiver?.upstream(.readComplete, exchangeID: self.exchangeID)
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.isReusable = false
        self.pool?.remove(self)
        if self.awaitingResponse, let event = try? self.decoder.endOfInput() {
            // A response delimited by the connection's close ends here.
            self.awaitingResponse = false
            if case .end(let trailers) = event {
                self.receiver?.upstream(.responseEnd(trailers), exchangeID: self.exchangeID)
            }
        }
        self.receiver?.upstream(.closed, exchangeID: self.exchangeID)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.close()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { self.receiver?.upstream(.writable, exchangeID: self.exchangeID) }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if let receiver = self.receiver, !receiver.clientIsWritable(exchangeID: self.exchangeID) {
            self.readHeld = true
        } else {
            context.read()
        }
    }

    /// Resumes reading after the client drained what it was sent.
    func resumeReads() {
        guard self.readHeld, let context = self.context else { return }
        self.readHeld = false
        context.read()
    }

    // MARK: Outbound

    /// Writes a request head (serialised by `UpstreamRequestHead`); `isChunked` says whether
    /// the body that follows is sent in chunks.
    func sendHead(_ head: ByteBuffer, isHEAD: Bool, isChunked: Bool) {
        guard let context = self.context else { return }
        self.decoder.expectResponse(toHEAD: isHEAD)
        self.awaitingResponse = true
        self.requestIsChunked = isChunked
        context.write(NIOAny.bytes(head), promise: nil)
    }

    func sendBody(_ bytes: ByteBuffer) {
        guard let context = self.context, bytes.readableBytes > 0 else { return }
        if self.requestIsChunked {
            if self.chunkEncoder == nil { self.chunkEncoder = HTTP1ChunkedEncoder(allocator: context.channel.allocator) }
            self.chunkEncoder!.writeChunk(bytes) {
                context.write(NIOAny.bytes($0), promise: nil)
            }
        } else {
            context.write(NIOAny.bytes(bytes), promise: nil)
        }
    }

    /// Ends the request body (the last chunk and any trailers, when chunked).
    func sendEnd(trailers: TrailerFields?) {
        guard let context = self.context, self.requestIsChunked else { return }
        self.requestIsChunked = false
        var writer = HTTP1HeadWriter(allocator: context.channel.allocator, capacity: trailers == nil ? 5 : 128)
        writer.writeRaw("0\r\n")
        for field in trailers?.fields ?? [] { writer.add(name: field.name, value: field.value) }
        context.write(NIOAny.bytes(writer.finish()), promise: nil)
    }

    func flush() {
        self.context?.flush()
    }

    func close() {
        self.isReusable = false
        self.awaitingResponse = false
        self.context?.close(promise: nil)
    }
}

@available(*, unavailable)
extension UpstreamConnection: Sendable {}
