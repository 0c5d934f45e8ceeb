public import Logging
public import NIOCore
public import GatewayMetrics
import NIOHTTP2
import NIOSSL
public import NIOPosix
public import ServiceLifecycle
import Synchronization

/// The downstream listeners and the event loops that serve them, run as a `Service`: it binds
/// (or was bound by `bind()` beforehand), serves until graceful shutdown is triggered, then
/// drains: listeners close, idle connections close, in-flight requests get until
/// `shutdown_grace` to finish, and what still runs after it is aborted. Task cancellation (the
/// service group giving up) drains at once, without grace, rather than hang.
public final class ProxyServer: Service, Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let ownsGroup: Bool
    private let loops: [ObjectIdentifier: NIOLoopBoundBox<LoopContext>]
    /// Each loop's part of the drain (its `shutdown_grace` timer).
    private let drains: [ObjectIdentifier: NIOLoopBoundBox<LoopDrain>]
    private let listen: [SocketAddress]
    private let logger: Logger
    private let activeConnections = ConnectionCounter()
    private let configurationBox: Mutex<ProxyConfiguration>
    private let bound: EventLoopPromise<[SocketAddress]>
    private let listeners = Mutex<Listeners>(.unbound)
    private let onDrain: @Sendable () -> Void
    private let hasRun = Atomic<Bool>(false)
    /// Set by `endDrainNow()`: the drain aborts what still runs instead of waiting.
    private let cutShort = Atomic<Bool>(false)
    private let draining: EventLoopPromise<Void>

    private enum Listeners {
        case unbound
        case bound([any Channel])
        case failed(any Error)
    }

    /// Creates the server and its event loops (`threads`, 0 = one per core) without binding —
    /// or serves on `group` (made with `makeEventLoopGroup(threads:)`), which the caller then
    /// shuts down: what must share the proxy's loops (the Redis client) is made on it first.
    public init(
        configuration: ProxyConfiguration,
        listen: [SocketAddress],
        threads: Int,
        metrics: GatewayMetrics,
        logger: Logger,
        group: MultiThreadedEventLoopGroup? = nil,
        onDrain: @escaping @Sendable () -> Void = {}
    ) {
        self.onDrain = onDrain
        self.group = group ?? Self.makeEventLoopGroup(threads: threads)
        self.ownsGroup = group == nil
        var loops: [ObjectIdentifier: NIOLoopBoundBox<LoopContext>] = [:]
        var drains: [ObjectIdentifier: NIOLoopBoundBox<LoopDrain>] = [:]
        for loop in self.group.makeIterator() {
            let context = NIOLoopBoundBox.makeBoxSendingValue(LoopContext(eventLoop: loop, configuration: configuration, metrics: metrics, logger: logger), eventLoop: loop)
            loops[ObjectIdentifier(loop)] = context
            drains[ObjectIdentifier(loop)] = NIOLoopBoundBox.makeBoxSendingValue(LoopDrain(), eventLoop: loop)
        }
        self.loops = loops
        self.drains = drains
        self.listen = listen
        self.logger = logger
        self.configurationBox = Mutex(configuration)
        self.bound = self.group.next().makePromise()
        self.draining = self.group.next().makePromise()
    }

    /// The proxy's event loops: `threads` of them, 0 = one per core.
    public static func makeEventLoopGroup(threads: Int) -> MultiThreadedEventLoopGroup {
        MultiThreadedEventLoopGroup(numberOfThreads: threads > 0 ? threads : System.coreCount)
    }

    deinit {
        // A server that never ran must not leak its promises (its loops are still up then).
        if !self.hasRun.load(ordering: .relaxed) {
            if case .unbound = self.listeners.withLock({ $0 }) { self.bound.fail(ChannelError.ioOnClosedChannel) }
            self.draining.fail(ChannelError.ioOnClosedChannel)
        }
    }

    /// The addresses actually bound (a port 0 in the rules becomes a real port), once listening.
    public func listeningAddresses() async throws -> [SocketAddress] {
        try await self.bound.futureResult.get()
    }

    /// Completes once every event loop has begun draining (after graceful shutdown began).
    public func waitUntilDraining() async throws {
        try await self.draining.futureResult.get()
    }

    /// The configuration new requests see.
    public var configuration: ProxyConfiguration {
        self.configurationBox.withLock { $0 }
    }

    /// Swaps in a new configuration: each event loop takes it for requests that start after;
    /// requests in flight finish under the one they started with.
    public func apply(_ configuration: ProxyConfiguration) {
        self.configurationBox.withLock { $0 = configuration }
        for context in self.loops.values {
            context.eventLoop.execute { context.value.apply(configuration) }
        }
    }

    /// Returns once every event loop has taken the configurations passed to `apply` before the
    /// call (each loop runs its tasks in order): from then on, every new request sees them.
    public func waitUntilApplied() async {
        for context in self.loops.values {
            try? await context.eventLoop.submit {}.get()
        }
    }

    /// Binds every `listen` address, before `run()`, so that start-up can tell an operator what
    /// failed before anything is served (SPEC §9 "Start-up"). Every address is tried; when any
    /// fails, the others are closed again and the error names each failure with its cause.
    /// Logs `listening` with each bound address. `run()` binds by itself when this was not called.
    public func bind() async throws {
        var channels: [any Channel] = []
        var failures: [ListenError.Failure] = []
        for address in self.listen {
            do {
                channels.append(try await self.bootstrap().bind(to: address).get())
            } catch {
                failures += ListenError(address: address, role: "proxy", error: error).failures
            }
        }
        if !failures.isEmpty {
            for channel in channels { try? await channel.close() }
            let error = ListenError(failures: failures)
            self.listeners.withLock { $0 = .failed(error) }
            self.bound.fail(error)
            throw error
        }
        self.listeners.withLock { $0 = .bound(channels) }
        let addresses = channels.compactMap(\.localAddress)
        for address in addresses {
            self.logger.info("listening", metadata: ["address": "\(ListenError.text(of: address))"])
        }
        self.bound.succeed(addresses)
    }

    /// Shutdown's second signal (or a service group giving up): requests still running are
    /// aborted now instead of at `shutdown_grace` (503 `shutting_down`, or their connection
    /// closed; audited either way). Has no effect before the drain begins but to make it start
    /// without grace.
    public func endDrainNow() {
        guard !self.cutShort.exchange(true, ordering: .relaxed) else { return }
        for (id, loop) in self.loops {
            guard let drain = self.drains[id] else { continue }
            loop.eventLoop.execute {
                guard loop.value.isDraining else { return }
                drain.value.abort(loop.value)
            }
        }
    }

    public func run() async throws {
        self.hasRun.store(true, ordering: .relaxed)
        let channels: [any Channel]
        do {
            switch self.listeners.withLock({ $0 }) {
            case .bound(let bound): channels = bound
            case .failed(let error): throw error
            case .unbound:
                try await self.bind()
                guard case .bound(let bound) = self.listeners.withLock({ $0 }) else { throw ChannelError.ioOnClosedChannel }
                channels = bound
            }
        } catch {
            self.draining.fail(error)
            if self.ownsGroup { try? await self.group.shutdownGracefully() }
            throw error
        }
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await self.waitForever(channels)
            } onGracefulShutdown: {
                self.onDrain()
                for channel in channels { channel.close(promise: nil) }
            }
        } onCancel: {
            self.onDrain()
            self.endDrainNow()
            for channel in channels { channel.close(promise: nil) }
        }
        try? await self.drain()
        self.draining.fail(ChannelError.ioOnClosedChannel)
        if self.ownsGroup { try await self.group.shutdownGracefully() }
    }

    private func waitForever(_ channels: [any Channel]) async {
        for channel in channels {
            try? await channel.closeFuture.get()
        }
    }

    private func bootstrap() -> ServerBootstrap {
        let loops = self.loops
        let activeConnections = self.activeConnections
        let logger = self.logger
        return ServerBootstrap(group: self.group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            // Each connection keeps its last receive buffer: start small (a request head fits in
            // 512 bytes) so 10,000 idle keep-alive connections stay cheap; bodies grow it.
            .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 256 * 1024))
            .childChannelInitializer { channel in
                guard let loop = loops[ObjectIdentifier(channel.eventLoop)] else {
                    return channel.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel)
                }
                let context = loop.value
                let limit = context.configuration.limits.maxConnections
                guard activeConnections.tryAcquire(limit: limit) else {
                    logger.warning("max_connections reached; connection refused")
                    return channel.close()
                }
                channel.closeFuture.whenComplete { _ in activeConnections.release() }
                do {
                    if let tls = context.configuration.downstreamTLS {
                        return try Self.configureTLS(channel: channel, context: tls, loops: loops)
                    }
                    try Self.configureHTTP1(channel: channel, context: context, isSecure: false)
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
    }

    /// HTTPS: TLS first, then HTTP/2 or HTTP/1.1 as ALPN agreed (HTTP/1.1 without ALPN).
    static func configureTLS(
        channel: any Channel,
        context tls: NIOSSLContext,
        loops: [ObjectIdentifier: NIOLoopBoundBox<LoopContext>]
    ) throws -> EventLoopFuture<Void> {
        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
        return channel.configureHTTP2SecureUpgrade(
            h2ChannelConfigurator: { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let loop = loops[ObjectIdentifier(channel.eventLoop)] else { throw ChannelError.ioOnClosedChannel }
                    try Self.configureHTTP2(channel: channel, context: loop.value, loops: loops)
                }
            },
            http1ChannelConfigurator: { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let loop = loops[ObjectIdentifier(channel.eventLoop)] else { throw ChannelError.ioOnClosedChannel }
                    try Self.configureHTTP1(channel: channel, context: loop.value, isSecure: true)
                }
            }
        )
    }

    /// HTTP/2 at the frame level: NIOHTTP2 frames, decodes HPACK, keeps flow control, settings
    /// and its own flood protections; `HTTP2ConnectionHandler` runs one exchange per stream
    /// through the same state machine as HTTP/1.1. A connection error ends the connection after
    /// NIOHTTP2's one GOAWAY.
    static func configureHTTP2(
        channel: any Channel,
        context: LoopContext,
        loops: [ObjectIdentifier: NIOLoopBoundBox<LoopContext>]
    ) throws {
        let (connection, stream) = Self.http2Configuration(maxHeaderBytes: context.configuration.limits.maxHeaderBytes)
        let goAways = HTTP2GoAwayRecorder()
        // Before TLS: after a connection error it drops what is read and closes the socket.
        try channel.pipeline.syncOperations.addHandler(HTTP2ConnectionGuard(), position: .first)
        try channel.pipeline.syncOperations.addHandlers(
            NIOHTTP2Handler(mode: .server, frameDelegate: goAways, connectionConfiguration: connection, streamConfiguration: stream),
            HTTP2ConnectionHandler(loop: context, goAways: goAways)
        )
    }

    /// NIOHTTP2's settings for a client connection: the SETTINGS the gateway announces and
    /// NIOHTTP2's own flood protections, each a connection error (one GOAWAY, then the socket
    /// closes: `HTTP2ConnectionGuard`). The values are NIOHTTP2 1.46's defaults, set here so
    /// that a change of default does not change the gateway; HTTP2FloodTests holds each to its
    /// figure and docs/operations.md "HTTP/2 limits" gives them to operators.
    static func http2Configuration(
        maxHeaderBytes: Int
    ) -> (connection: NIOHTTP2Handler.ConnectionConfiguration, stream: NIOHTTP2Handler.StreamConfiguration) {
        var connection = NIOHTTP2Handler.ConnectionConfiguration()
        connection.initialSettings = HTTP2ConnectionHandler.initialSettings(maxHeaderBytes: maxHeaderBytes)
        // A header block in at most 5 CONTINUATION frames: a flood of them is
        // ENHANCE_YOUR_CALM, not memory (the block is also bounded by max_header_bytes).
        connection.maximumSequentialContinuationFrames = 5
        // PING, SETTINGS, PRIORITY (and ALTSVC, ORIGIN): 200 in 30 s; a browser sends a handful.
        connection.controlFrameRateLimit.maximumCount = 200
        connection.controlFrameRateLimit.windowLength = .seconds(30)
        // Control frames (PING and SETTINGS ACKs, RST_STREAM) waiting for a client that does not
        // read: 10,000 at most.
        connection.maximumBufferedControlFrames = 10_000
        // Streams reset for the client's own errors (malformed requests; "made you reset",
        // CVE-2025-8671): 200 in a connection's life are glitches enough to end it.
        connection.maximumConnectionGlitches = 200
        // Header blocks are checked by `HTTP2FieldBlockCheck` (the same rules, on bytes, at a
        // tenth of the cost), and a malformed one counts toward the same 200: see
        // `HTTP2ConnectionStateMachine.malformed(_:)`.
        connection.headerBlockValidation = .disabled
        var stream = NIOHTTP2Handler.StreamConfiguration()
        // RST_STREAM from the client: 200 in 30 s (rapid reset, CVE-2023-44487) — about 200
        // exchanges started, each audited, before the GOAWAY.
        stream.streamResetFrameRateLimit.maximumCount = 200
        stream.streamResetFrameRateLimit.windowLength = .seconds(30)
        // The same stream errors, 200 in 30 s.
        stream.streamErrorRateLimit.maximumCount = 200
        stream.streamErrorRateLimit.windowLength = .seconds(30)
        return (connection, stream)
    }

    /// The HTTP/1.1 pipeline: one handler, bytes in and bytes out; the gateway's own codec
    /// parses and writes.
    static func configureHTTP1(channel: any Channel, context: LoopContext, isSecure: Bool) throws {
        if isSecure { try channel.pipeline.syncOperations.addHandlers(TLSPlaintextCopier(), TLSWriteCoalescer()) }
        try channel.pipeline.syncOperations.addHandler(HTTP1ConnectionHandler(loop: context, isSecure: isSecure))
    }

    /// Lets in-flight requests finish within `shutdown_grace`, then aborts the rest; returns
    /// when every connection is closed. Logs `draining` with the requests in flight when it
    /// began (HTTP/1.1 connections with a request under way and HTTP/2 streams; an idle TLS
    /// connection still saying goodbye may count), and `drained` with how many were aborted.
    private func drain() async throws {
        // The value in force now: `shutdown_grace` takes effect on reload like everything else.
        let grace = self.cutShort.load(ordering: .relaxed) ? .zero : self.configurationBox.withLock { $0.limits.shutdownGrace }
        let started = ContinuousClock.now
        let counts = self.loops.map { id, loop in
            let drain = self.drains[id]!
            return loop.eventLoop.submit {
                let context = loop.value
                context.beginDrain()
                let inFlight = context.connectionCount
                drain.value.start(context, grace: grace, cutShort: self.cutShort.load(ordering: .relaxed))
                return inFlight
            }
        }
        let inFlight = try await counts.asyncMap { try await $0.get() }.reduce(0, +)
        self.logger.info(
            "draining",
            metadata: ["in_flight": "\(inFlight)", "shutdown_grace": "\(grace.nanoseconds / 1_000_000)ms"]
        )
        self.draining.succeed()
        let finished = self.loops.map { id, loop in
            let drain = self.drains[id]!
            return loop.eventLoop.flatSubmit {
                loop.value.whenDrained().map { drain.value.finish() }
            }
        }
        let aborted = try await finished.asyncMap { try await $0.get() }.reduce(0, +)
        let elapsed = ContinuousClock.now - started
        self.logger.info(
            "drained",
            metadata: [
                "in_flight": "\(inFlight)", "finished": "\(max(inFlight - aborted, 0))", "aborted": "\(aborted)",
                "duration_ms": "\(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)",
            ]
        )
    }
}

extension Array {
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        results.reserveCapacity(self.count)
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
