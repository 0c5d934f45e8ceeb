// GatewayAdmin owns the admin listener: /healthz, /readyz and /metrics (SPEC §6). It is not
// audited and shares nothing with the data path but the metrics registry and readiness flag.
public import GatewayMetrics
public import Logging
public import NIOCore
import NIOHTTP1
import NIOPosix
public import ServiceLifecycle
import Synchronization

/// Whether the gateway takes traffic: false once draining began, so load balancers stop
/// sending before the listeners close.
public final class Readiness: Sendable {
    private static let starting: UInt8 = 0
    private static let ready: UInt8 = 1
    private static let draining: UInt8 = 2
    private let state: Atomic<UInt8>

    /// Starts not ready (`/readyz` 503) until `markReady()`, unless `isReady`.
    public init(isReady: Bool = false) {
        self.state = Atomic(isReady ? Self.ready : Self.starting)
    }

    public var isReady: Bool { self.state.load(ordering: .relaxed) == Self.ready }

    /// `ready`, `starting` or `draining`, as `/readyz` says it.
    public var stateName: String {
        switch self.state.load(ordering: .relaxed) {
        case Self.ready: "ready"
        case Self.starting: "starting"
        default: "draining"
        }
    }

    /// The proxy listens: traffic may come. Has no effect once draining began.
    public func markReady() {
        _ = self.state.compareExchange(expected: Self.starting, desired: Self.ready, ordering: .relaxed)
    }

    public func markDraining() {
        self.state.store(Self.draining, ordering: .relaxed)
    }
}

/// The admin HTTP listener, run as a service beside the proxy. `bind()` may be called before
/// `run()` so that start-up reports a port in use before anything is served; `run()` binds by
/// itself otherwise. It stops at graceful shutdown, and at task cancellation too.
public final class AdminServer: Service, Sendable {
    private let address: SocketAddress
    private let metrics: GatewayMetrics
    private let readiness: Readiness
    private let group: any EventLoopGroup
    private let logger: Logger
    private let bound: EventLoopPromise<SocketAddress>
    private let channel = Mutex<(any Channel)?>(nil)

    public init(address: SocketAddress, metrics: GatewayMetrics, readiness: Readiness, group: any EventLoopGroup, logger: Logger) {
        self.address = address
        self.metrics = metrics
        self.readiness = readiness
        self.group = group
        self.logger = logger
        self.bound = group.next().makePromise()
    }

    /// The bound address, once listening.
    public func listeningAddress() async throws -> SocketAddress {
        try await self.bound.futureResult.get()
    }

    /// Binds the listener and logs `admin listening`; throws the system's error (the caller
    /// knows the address to name). Binding twice returns the first channel's address.
    @discardableResult
    public func bind() async throws -> SocketAddress {
        if let channel = self.channel.withLock({ $0 }) { return channel.localAddress ?? self.address }
        let metrics = self.metrics
        let readiness = self.readiness
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: self.group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        try channel.pipeline.syncOperations.addHandler(AdminHandler(metrics: metrics, readiness: readiness))
                    }
                }
                .bind(to: self.address)
                .get()
        } catch {
            self.bound.fail(error)
            throw error
        }
        self.channel.withLock { $0 = channel }
        let address = channel.localAddress ?? self.address
        self.bound.succeed(address)
        self.logger.info("admin listening", metadata: ["address": "\(Self.text(of: address))"])
        return address
    }

    public func run() async throws {
        try await self.bind()
        guard let channel = self.channel.withLock({ $0 }) else { return }
        let readiness = self.readiness
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                try? await channel.closeFuture.get()
            } onGracefulShutdown: {
                readiness.markDraining()
                channel.close(promise: nil)
            }
        } onCancel: {
            readiness.markDraining()
            channel.close(promise: nil)
        }
    }

    /// `127.0.0.1:9901`, `[::1]:9901`.
    static func text(of address: SocketAddress) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}

/// Answers `/healthz` (alive), `/readyz` (503 while starting or draining) and `/metrics`.
private final class AdminHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let metrics: GatewayMetrics
    let readiness: Readiness
    private var head: HTTPRequestHead?

    init(metrics: GatewayMetrics, readiness: Readiness) {
        self.metrics = metrics
        self.readiness = readiness
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head = self.head else { return }
            self.head = nil
            self.respond(context: context, to: head)
        }
    }

    private func respond(context: ChannelHandlerContext, to head: HTTPRequestHead) {
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard head.method == .GET || head.method == .HEAD else {
            self.send(context: context, status: .methodNotAllowed, type: "text/plain", body: Array("method not allowed\n".utf8), head: head)
            return
        }
        switch path {
        case "/healthz":
            self.send(context: context, status: .ok, type: "text/plain", body: Array("ok\n".utf8), head: head)
        case "/readyz":
            let ready = self.readiness.isReady
            self.send(
                context: context,
                status: ready ? .ok : .serviceUnavailable,
                type: "text/plain",
                body: Array("\(self.readiness.stateName)\n".utf8),
                head: head
            )
        case "/metrics":
            self.send(
                context: context,
                status: .ok,
                type: "text/plain; version=0.0.4; charset=utf-8",
                body: self.metrics.exposition(),
                head: head
            )
        default:
            self.send(context: context, status: .notFound, type: "text/plain", body: Array("not found\n".utf8), head: head)
        }
    }

    private func send(context: ChannelHandlerContext, status: HTTPResponseStatus, type: String, body: [UInt8], head: HTTPRequestHead) {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: type)
        headers.add(name: "content-length", value: String(body.count))
        headers.add(name: "cache-control", value: "no-store")
        if !head.isKeepAlive { headers.add(name: "connection", value: "close") }
        context.write(Self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD {
            context.write(Self.wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        let keepAlive = head.isKeepAlive
        context.writeAndFlush(Self.wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            if !keepAlive { context.close(promise: nil) }
        }
    }
}

@available(*, unavailable)
extension AdminHandler: Sendable {}
