import GatewayPolicy
import Logging
import NIOCore
import NIOHPACK
import NIOHTTP2

/// The handler after NIOHTTP2 on a client HTTP/2 connection: frames in, frames out, one
/// `ExchangeStateMachine` per stream — no child channel, no HTTP/1 translation, no `String`
/// made for a field the policy only looks at.
///
/// It performs what `HTTP2ConnectionStateMachine` and the exchanges decide. Besides, it owns
/// the flow-control credit NIOHTTP2 leaves to the layer above its connection handler: a stream
/// gets WINDOW_UPDATE for request body bytes once they are on their way upstream (so a slow
/// upstream slows the client), and the connection window is topped up as it drains.
final class HTTP2ConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTP2Frame
    typealias OutboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    /// The connection-level receive window the gateway keeps open (RFC 9113 §6.9.2).
    static let connectionWindow = 1 << 20
    /// The per-stream receive window it advertises (`SETTINGS_INITIAL_WINDOW_SIZE`).
    static let streamWindow = 65_535
    /// Response bytes a stream may have waiting in NIOHTTP2 before upstream reads are held.
    static let outboundHighWater = 128 * 1024

    let loop: LoopContext
    /// Sees the frames NIOHTTP2 writes: a GOAWAY with an error code marks a connection error.
    let goAways: HTTP2GoAwayRecorder
    var machine: HTTP2ConnectionStateMachine
    var streams = HTTP2StreamTable<HTTP2StreamIO>()
    var context: ChannelHandlerContext?
    var peer = PeerAddress.unknown
    private var isClosed = false
    /// A flush is scheduled for the end of this event-loop turn (`flushSoon`).
    private var flushScheduled = false
    /// A stream holding its whole body was refused credit because the connection holds enough
    /// (`HTTP2ConnectionStateMachine.mayCredit`); credit is tried again when a held body is
    /// released.
    var heldBodyCreditWithheld = false

    init(loop: LoopContext, goAways: HTTP2GoAwayRecorder) {
        self.loop = loop
        self.goAways = goAways
        self.machine = HTTP2ConnectionStateMachine(
            idleTimeout: loop.configuration.limits.idleTimeout.nanoseconds,
            now: Clock.monotonicNanoseconds()
        )
    }

    /// The settings the gateway announces: bounded streams and header lists (SPEC
    /// `max_header_bytes`), the per-stream window above.
    static func initialSettings(maxHeaderBytes: Int) -> HTTP2Settings {
        [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: 128),
            HTTP2Setting(parameter: .maxHeaderListSize, value: maxHeaderBytes),
            HTTP2Setting(parameter: .initialWindowSize, value: Self.streamWindow),
        ]
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.peer = PeerAddress(context.channel.remoteAddress)
        self.loop.register(self)
        if context.channel.isActive { self.openConnectionWindow(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        self.openConnectionWindow(context: context)
        context.fireChannelActive()
    }

    private var windowOpened = false

    /// Raises the connection window from the protocol's 65,535 bytes to `connectionWindow`.
    private func openConnectionWindow(context: ChannelHandlerContext) {
        guard !self.windowOpened else { return }
        self.windowOpened = true
        let frame = HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: Self.connectionWindow - 65_535))
        context.writeAndFlush(NIOAny.frame(frame), promise: nil)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.connectionEnded()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.connectionEnded()
        context.fireChannelInactive()
    }

    private func connectionEnded() {
        guard !self.isClosed else { return }
        self.isClosed = true
        for streamID in self.machine.closed() { self.streamEnded(streamID) }
        self.loop.deregister(self)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.isClosed else { return }
        let frame = HTTP2ConnectionHandler.unwrapInboundIn(data)
        let streamID = frame.streamID
        switch frame.payload {
        case .headers(let headers):
            if self.machine.exchange(streamID) == nil {
                switch HTTP2FieldBlockCheck.request(headers.headers) {
                case .success(let line): self.begin(streamID, headers.headers, line, endStream: headers.endStream)
                case .failure: self.perform(self.machine.malformed(streamID))
                }
            } else {
                // Trailers (RFC 9113 §8.1): they end the request.
                guard HTTP2FieldBlockCheck.trailers(headers.headers) == nil else {
                    self.perform(self.machine.malformed(streamID))
                    return
                }
                let trailers = TrailerFields(headers.headers.map { (name: $0.name, value: $0.value) })
                self.perform(self.machine.withExchange(streamID) { $0.requestEnd(trailers) })
                self.creditWithheldHeldBodies()
            }
        case .data(let data):
            guard case .byteBuffer(let bytes) = data.data else { break }
            self.streams[streamID]?.uncredited += bytes.readableBytes
            if bytes.readableBytes > 0 { self.perform(self.machine.withExchange(streamID) { $0.requestBody(bytes) }) }
            if data.endStream { self.perform(self.machine.withExchange(streamID) { $0.requestEnd(nil) }) }
            self.credit(streamID)
            if data.endStream { self.creditWithheldHeldBodies() }
        case .rstStream:
            self.streamEnded(streamID)
        default:
            // SETTINGS, PING, PRIORITY, WINDOW_UPDATE, GOAWAY: NIOHTTP2's.
            break
        }
    }

    /// Flushes once the event loop has handled every event of this turn: the responses of
    /// several streams that arrive from their upstreams together leave in one write (one TLS
    /// batch, one syscall) instead of one each. Everything this connection writes outside the
    /// client's own reads (which end in `channelReadComplete`'s flush) goes out this way.
    func flushSoon() {
        guard !self.flushScheduled, let context = self.context else { return }
        self.flushScheduled = true
        context.eventLoop.assumeIsolated().execute {
            self.flushScheduled = false
            self.context?.flush()
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        var flushedUpstreams = false
        for (_, stream) in self.streams where stream.io.needsUpstreamFlush {
            stream.io.upstream?.flush()
            flushedUpstreams = true
        }
        if flushedUpstreams {
            for streamID in Array(self.streams.keys) { self.streams[streamID]?.io.needsUpstreamFlush = false }
        }
        context.flush()
    }

    /// NIOHTTP2 fires several events per stream (created, window updates, closed). Each is told
    /// apart by its type's identity before one cast: a failed `as?` from `Any` walks the runtime's
    /// cast machinery, and three of them per event cost 3,500 instructions a request (callgrind).
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        let type = Swift.type(of: event)
        if type == StreamClosedEvent.self {
            self.streamEnded((event as! StreamClosedEvent).streamID)
        } else if type == NIOHTTP2WindowUpdatedEvent.self {
            let window = event as! NIOHTTP2WindowUpdatedEvent
            if window.streamID == .rootStream, let inbound = window.inboundWindowSize, inbound <= Self.connectionWindow / 2 {
                let frame = HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: Self.connectionWindow - inbound))
                context.writeAndFlush(NIOAny.frame(frame), promise: nil)
            }
        } else if type == ChannelShouldQuiesceEvent.self {
            self.beginDrain()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let streamError = error as? NIOHTTP2Errors.StreamError {
            // NIOHTTP2 reset the stream: its exchange is abandoned.
            self.streamEnded(streamError.streamID)
            return
        }
        // A stream error NIOHTTP2 reports unwrapped (a malformed header block, a bad
        // `content-length`): it reset that stream alone, and its StreamClosedEvent ends the
        // exchange. The connection goes on.
        guard self.goAways.connectionError != nil else { return }
        // A connection error: NIOHTTP2 wrote GOAWAY; nothing more is read.
        self.perform(self.machine.connectionError())
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            for streamID in Array(self.streams.keys) { self.resumeUpstreamReads(streamID) }
        }
        context.fireChannelWritabilityChanged()
    }

    /// A stream closed under its exchange: abandoned if its response had not ended, then
    /// forgotten.
    func streamEnded(_ streamID: HTTP2StreamID) {
        self.perform(self.machine.streamClosed(streamID))
        self.streams[streamID] = nil
        self.perform(self.machine.forget(streamID, now: Clock.monotonicNanoseconds()))
        self.creditWithheldHeldBodies()
    }

    // MARK: Flow control

    /// Returns read body bytes to the client as stream credit, unless the exchange holds what
    /// it may or its upstream cannot take more (then the client waits: backpressure).
    func credit(_ streamID: HTTP2StreamID) {
        guard let stream = self.streams[streamID], stream.uncredited > 0, let context = self.context,
            let exchange = self.machine.exchange(streamID), !exchange.requestEnded
        else { return }
        if exchange.holdsReads(bufferLimit: HTTP1ConnectionHandler.bufferLimit) { return }
        if let upstream = stream.io.upstream, !upstream.isWritable { return }
        // In batches of half a window, as NIOHTTP2's own stream channels do.
        let credit = stream.uncredited
        guard credit >= Self.streamWindow / 2 else { return }
        if !self.machine.mayCredit(streamID, credit) {
            self.heldBodyCreditWithheld = true
            return
        }
        stream.uncredited = 0
        let frame = HTTP2Frame(streamID: streamID, payload: .windowUpdate(windowSizeIncrement: credit))
        context.write(NIOAny.frame(frame), promise: nil)
    }

    func resumeUpstreamReads(_ streamID: HTTP2StreamID) {
        guard let stream = self.streams[streamID], stream.upstreamReadsHeld, self.clientIsWritable(exchangeID: Int(streamID)) else { return }
        self.streams[streamID]?.upstreamReadsHeld = false
        stream.io.upstream?.resumeReads()
    }
}

@available(*, unavailable)
extension HTTP2ConnectionHandler: Sendable {}
