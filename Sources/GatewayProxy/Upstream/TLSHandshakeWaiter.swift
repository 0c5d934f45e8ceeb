import NIOCore
import NIOTLS

/// Completes a promise when an upstream connection's TLS handshake has finished, or fails it
/// when the handshake fails or the connection closes first; then leaves the pipeline.
///
/// With it the pool hands out an `https` connection only once it is verified, so a handshake
/// failure (an untrusted certificate, a wrong name) is a failure to connect: the target cools
/// down and the request, not yet sent, goes to the next target.
final class TLSHandshakeWaiter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let promise: EventLoopPromise<Void>

    init(promise: EventLoopPromise<Void>) {
        self.promise = promise
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent {
            self.promise.succeed()
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.promise.fail(error)
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.promise.fail(ChannelError.eof)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // Removed after success, or with the channel: a promise still open is never leaked.
        self.promise.fail(ChannelError.ioOnClosedChannel)
    }
}

@available(*, unavailable)
extension TLSHandshakeWaiter: Sendable {}
