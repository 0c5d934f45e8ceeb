import GatewayHTTP1
import GatewayPolicy
import GatewayRouting
import Logging
import NIOCore

/// The only handler of a client HTTP/1.1 connection (after TLS, if any): bytes in, bytes out.
///
/// It performs what `HTTP1ConnectionStateMachine` and its `ExchangeStateMachine` decide and
/// decides nothing itself: it parses nothing (the codec does), judges nothing (the policy
/// does) and keeps only I/O objects — the channel, the exchange's upstream connection and
/// rules snapshot (`ExchangeIO`). Requests and responses stay `ByteBuffer`s end to end.
final class HTTP1ConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Body bytes held (while connecting, or pipelined) before reads are held.
    static let bufferLimit = 256 * 1024

    let loop: LoopContext
    let isSecure: Bool
    var machine: HTTP1ConnectionStateMachine
    /// The exchange in progress beside `machine`'s own state; nil between requests.
    var io: ExchangeIO?
    var context: ChannelHandlerContext?
    var peer = PeerAddress.unknown
    private var exchangeCount = 0
    private var readHeld = false
    private var isPumping = false
    private var isClosed = false
    /// Bytes were written to the client since its last flush (`writeToClient`, `flushClient`).
    private var hasUnflushedWrites = false

    init(loop: LoopContext, isSecure: Bool) {
        self.loop = loop
        self.isSecure = isSecure
        let limits = loop.configuration.limits
        self.machine = HTTP1ConnectionStateMachine(
            limits: limits.http1,
            timeouts: .init(header: limits.headerTimeout.nanoseconds, idle: limits.idleTimeout.nanoseconds),
            now: Clock.monotonicNanoseconds()
        )
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.peer = PeerAddress(context.channel.remoteAddress)
        self.loop.register(self)
    }

    func channelActive(context: ChannelHandlerContext) {
        self.peer = PeerAddress(context.channel.remoteAddress)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // A channel closed before it became active sees no `channelInactive`; without this it
        // would stay registered and a drain would wait for it forever.
        self.connectionEnded()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.connectionEnded()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // The class by name, not `Self`: with `Self` the compiler leaves NIO's generic unwrap
        // unspecialised, a dynamic cast of every read (about 580 instructions). The same in
        // the proxy's other handlers.
        self.machine.received(HTTP1ConnectionHandler.unwrapInboundIn(data))
        self.pump()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if self.io?.needsUpstreamFlush == true {
            self.io?.needsUpstreamFlush = false
            self.io?.upstream?.flush()
        }
        self.flushClient()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Transport errors (reset by peer, TLS alerts, …): nothing to answer.
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { self.io?.upstream?.resumeReads() }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if self.shouldHoldReads {
            self.readHeld = true
        } else {
            context.read()
        }
    }

    /// The connection closed (once, whichever of `channelInactive` and `handlerRemoved` comes
    /// first): an exchange still running is audited, and so is every whole pipelined request
    /// that was waiting behind it (SPEC §9 "Abandoned requests").
    private func connectionEnded() {
        guard !self.isClosed else { return }
        self.isClosed = true
        self.perform(self.machine.closed())
        self.auditAbandonedPipeline()
        self.loop.deregister(self)
    }

    // MARK: The pump

    /// Pulls and performs actions until the machine waits.
    func pump() {
        guard !self.isPumping else { return }
        self.isPumping = true
        defer { self.isPumping = false }
        while !self.isClosed {
            let action = self.machine.next(now: Clock.monotonicNanoseconds())
            if case .wait = action { break }
            self.perform(action)
        }
        if !self.machine.hasExchange { self.releaseExchange() }
        self.resumeReadsIfPossible()
    }

    /// Between requests the connection keeps nothing of the last one: its head (the field
    /// list and the bytes it points into) and its I/O record go, so an idle keep-alive
    /// connection costs only its own state (bench/RESULTS.md, "Memory").
    private func releaseExchange() {
        guard self.io != nil else { return }
        self.dropUpstream()  // already released to its pool when the response ended
        self.io = nil
    }

    func perform(_ action: HTTP1ConnectionStateMachine.Action) {
        switch action {
        case .wait:
            break
        case .decide(let head):
            self.begin(head)
        case .refuse(let error):
            self.beginRefused(error)
        case .headerTimedOut:
            self.beginTimedOut()
        case .exchange(let action):
            self.perform(action)
        case .close:
            self.closeAfterWrites()
        }
    }

    // MARK: Backpressure

    private var shouldHoldReads: Bool {
        if self.loop.isAuditOverloaded { return true }
        if self.machine.holdsReads(bufferLimit: Self.bufferLimit) { return true }
        if let upstream = self.io?.upstream, !upstream.isWritable { return true }
        return false
    }

    func resumeReadsIfPossible() {
        guard self.readHeld, !self.shouldHoldReads, let context = self.context else { return }
        self.readHeld = false
        context.read()
    }

    // MARK: Closing

    /// Writes `bytes` to the client without flushing them: `flushClient` does.
    func writeToClient(_ bytes: ByteBuffer) {
        self.context?.write(NIOAny.bytes(bytes), promise: nil)
        self.hasUnflushedWrites = true
    }

    /// Flushes what `writeToClient` wrote, if anything: an empty flush still walks the pipeline
    /// and the channel's flush path (some 700 instructions), and a proxied request would make
    /// two (the client's read ending before any response, the upstream's after the response
    /// was flushed at its end).
    func flushClient() {
        guard self.hasUnflushedWrites else { return }
        self.hasUnflushedWrites = false
        self.context?.flush()
    }

    /// Closes once everything written has left (an empty write completes after the others).
    func closeAfterWrites() {
        guard let context = self.context else { return }
        self.hasUnflushedWrites = false
        context.writeAndFlush(NIOAny.bytes(ChannelAllocator.shared.buffer(capacity: 0))).assumeIsolated()
            .whenComplete { _ in context.close(promise: nil) }
    }

    /// A new exchange id (never 0, which an idle upstream connection carries).
    func nextExchangeID() -> Int {
        self.exchangeCount &+= 1
        return self.exchangeCount
    }
}

@available(*, unavailable)
extension HTTP1ConnectionHandler: Sendable {}
