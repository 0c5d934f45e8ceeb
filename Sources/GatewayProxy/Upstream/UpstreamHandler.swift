import NIOCore
import NIOHTTP1

/// The last handler of an upstream connection: writes requests as HTTP/1.1 bytes, passes
/// response parts (framed by llhttp) to the exchange that owns the connection, and holds reads
/// while that exchange's client cannot take more bytes.
final class UpstreamHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    /// The connection's response decoder, told of each request sent (it frames the responses).
    private let responseDecoder: UpstreamResponseDecoder
    /// Whether the request being sent has a chunked body (the gateway frames its chunks).
    private var requestIsChunked = false

    /// The exchange using this connection; nil while it idles in its pool.
    weak var receiver: Exchange?
    /// The pool the connection returns to.
    weak var pool: UpstreamPool?
    private(set) var context: ChannelHandlerContext?
    private var readHeld = false
    /// Whether the connection may carry another request.
    var isReusable = true

    var isActive: Bool { self.context?.channel.isActive ?? false }
    var isWritable: Bool { self.context?.channel.isWritable ?? false }

    init(responseDecoder: UpstreamResponseDecoder) {
        self.responseDecoder = responseDecoder
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = Self.unwrapInboundIn(data)
        guard let receiver = self.receiver else {
            // An idle connection must not speak: close it rather than hand the bytes to anyone.
            self.isReusable = false
            context.close(promise: nil)
            return
        }
        receiver.upstreamReceived(part)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.receiver?.upstreamReadComplete()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.isReusable = false
        self.pool?.remove(self)
        self.receiver?.upstreamClosed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.isReusable = false
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { self.receiver?.upstreamBecameWritable() }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if let receiver = self.receiver, !receiver.clientIsWritable {
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

    /// Writes a request head (serialised by `ForwardedRequest`); `isChunked` says whether the
    /// body that follows is to be sent in chunks.
    func sendHead(_ head: ByteBuffer, method: HTTPMethod, isChunked: Bool) {
        guard let context = self.context else { return }
        self.responseDecoder.expectResponse(to: method)
        self.requestIsChunked = isChunked
        context.write(Self.wrapOutboundOut(.byteBuffer(head)), promise: nil)
    }

    func sendBody(_ bytes: ByteBuffer) {
        guard let context = self.context, bytes.readableBytes > 0 else { return }
        if self.requestIsChunked {
            ChunkedFraming.writeChunk(bytes, allocator: context.channel.allocator) {
                context.write(Self.wrapOutboundOut(.byteBuffer($0)), promise: nil)
            }
        } else {
            context.write(Self.wrapOutboundOut(.byteBuffer(bytes)), promise: nil)
        }
    }

    /// Ends the request body (the last chunk and any trailers, when chunked).
    func sendEnd(trailers: HTTPHeaders?) {
        guard let context = self.context, self.requestIsChunked else { return }
        self.requestIsChunked = false
        context.write(Self.wrapOutboundOut(.byteBuffer(ChunkedFraming.lastChunk(trailers: trailers, allocator: context.channel.allocator))), promise: nil)
    }

    func flush() {
        self.context?.flush()
    }

    func close() {
        self.isReusable = false
        self.context?.close(promise: nil)
    }
}

@available(*, unavailable)
extension UpstreamHandler: Sendable {}
