import NIOCore
import GatewayMetrics

/// One Redis connection's commands and replies: writes each command's bytes as it comes, flushes
/// once per event-loop turn (so commands issued together leave in one write), and completes each
/// command's promise with its reply, in order (`RedisPipelineStateMachine`).
///
/// An error reply (`-ERR …`) fails the promise with a `server` `RedisError`; the connection stays
/// usable. A decoding error, a reply no command asked for, or a command past its timeout fails
/// every command on the connection and closes it; `onClose` then tells the owner, which reconnects.
final class RedisConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = RESPValue
    typealias OutboundOut = ByteBuffer

    private var machine: RedisPipelineStateMachine<EventLoopPromise<RESPValue>>
    private var context: ChannelHandlerContext?
    private var timer: Scheduled<Void>?
    private var flushScheduled = false
    private var closeReported = false
    private let metrics: RedisMetrics?
    /// Called once, on the loop, when the connection is gone, with why.
    var onClose: ((RedisError) -> Void)?

    init(commandTimeout: TimeAmount, maxPending: Int, metrics: RedisMetrics?) {
        self.machine = RedisPipelineStateMachine(timeout: commandTimeout, maxPending: maxPending)
        self.metrics = metrics
    }

    /// Commands written and not yet answered.
    var inFlight: Int { self.machine.inFlight }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        self.timer?.cancel()
    }

    /// Writes `command`; `promise` completes with its reply. Call on the channel's event loop.
    func send(_ command: RedisCommand, promise: EventLoopPromise<RESPValue>) {
        guard let context = self.context else {
            self.fail(promise, .closed)
            return
        }
        switch self.machine.send(promise, now: context.eventLoop.now) {
        case .fail(let promise, let error):
            self.fail(promise, error)
        case .write(let deadline):
            context.write(self.wrapOutboundOut(command.bytes), promise: nil)
            if let deadline { self.armTimer(for: deadline, context: context) }
            if !self.flushScheduled {
                self.flushScheduled = true
                context.eventLoop.assumeIsolated().execute {
                    self.flushScheduled = false
                    self.context?.flush()
                }
            }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = self.unwrapInboundIn(data)
        switch self.machine.reply(value) {
        case .answer(let promise, let value, let sentAt):
            self.metrics?.recordRoundTrip(nanoseconds: (context.eventLoop.now - sentAt).nanoseconds)
            if case .error(let message) = value {
                self.fail(promise, .server(message))
            } else {
                promise.succeed(value)
            }
        case .unexpected:
            self.shutDown(context: context, .protocolViolation("a reply no command asked for"))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let decoding = error as? RESPDecodingError {
            self.shutDown(context: context, .protocolViolation(decoding.description))
        } else {
            self.shutDown(context: context, .closed(because: "\(error)"))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.timer?.cancel()
        self.timer = nil
        for promise in self.machine.close(.closed) { self.fail(promise, .closed) }
        self.reportClose(.closed)
        context.fireChannelInactive()
    }

    /// Fails every command with `error` and closes the connection.
    private func shutDown(context: ChannelHandlerContext, _ error: RedisError) {
        let promises = self.machine.close(error)
        // Counted once per failed command, or once for the event when none was waiting.
        if promises.isEmpty { self.metrics?.recordError(kind: error.kind) }
        for promise in promises { self.fail(promise, error) }
        self.reportClose(error)
        context.close(promise: nil)
    }

    private func reportClose(_ error: RedisError) {
        guard !self.closeReported else { return }
        self.closeReported = true
        self.onClose?(error)
    }

    private func armTimer(for deadline: NIODeadline, context: ChannelHandlerContext) {
        self.timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            self.timerFired()
        }
    }

    private func timerFired() {
        guard let context = self.context else { return }
        switch self.machine.timerFired(now: context.eventLoop.now) {
        case .none:
            break
        case .rearm(let deadline):
            self.armTimer(for: deadline, context: context)
        case .timeOut(let promises):
            for promise in promises { self.fail(promise, .timeout) }
            self.reportClose(.timeout)
            context.close(promise: nil)
        }
    }

    /// Fails `promise` and counts the error (`server` replies included).
    private func fail(_ promise: EventLoopPromise<RESPValue>, _ error: RedisError) {
        self.metrics?.recordError(kind: error.kind)
        promise.fail(error)
    }
}

@available(*, unavailable)
extension RedisConnectionHandler: Sendable {}
