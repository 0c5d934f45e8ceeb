import NIOCore

/// The first handler of an HTTP/2 connection, before TLS: after a connection error it ends the
/// connection at the socket (RFC 9113 §5.4.1: "After sending the GOAWAY frame for an error
/// condition, the endpoint MUST close the TCP connection").
///
/// NIOHTTP2 writes one GOAWAY for a connection error but decodes whatever arrives after it, and
/// a TLS close waits for the client's `close_notify`, reading on: a client that kept flooding
/// (CONTINUATION frames, resets, pings) kept the gateway reading, decoding and buffering (issue
/// 11 item 5: 56 MB → 322 MB on 8 connections, ~16,700 GOAWAYs on one). Once
/// `HTTP2ConnectionHandler` says `Shut`, this handler passes nothing more on and reads nothing
/// more; once the GOAWAY has left it half-closes the socket (FIN after the GOAWAY: a client
/// still writing reads the GOAWAY rather than losing it to a reset), and `lingerTimeout` later
/// it closes it, without waiting for `close_notify`.
final class HTTP2ConnectionGuard: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The outbound event that shuts the connection.
    struct Shut: Sendable {}

    /// How long a GOAWAY may wait for the client to read it before the socket closes anyway.
    static let lingerTimeout = TimeAmount.seconds(1)

    private var isShut = false
    private var closing: Scheduled<Void>?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.isShut else { return }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        guard !self.isShut else { return }
        context.fireChannelReadComplete()
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard event is Shut else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        promise?.succeed()
        guard !self.isShut else { return }
        self.isShut = true
        try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: false)
        // Written after everything before it: its completion says the GOAWAY left.
        let written = context.writeAndFlush(NIOAny.bytes(ChannelAllocator.shared.buffer(capacity: 0)))
        written.assumeIsolated().whenSuccess { context.close(mode: .output, promise: nil) }
        self.closing = context.eventLoop.assumeIsolated().scheduleTask(in: Self.lingerTimeout) { context.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.closing?.cancel()
        self.closing = nil
    }
}

@available(*, unavailable)
extension HTTP2ConnectionGuard: Sendable {}
