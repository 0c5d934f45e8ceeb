import GatewayAdmin
import GatewayApp
import GatewayAudit
import GatewayMetrics
import GatewayProxy
import GatewayRules
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// A gateway running in-process on a loopback port, driven like `gateway run` (a service
/// group), for tests over real sockets.
final class GatewayHarness: Sendable {
    let server: ProxyServer
    let port: Int
    /// The admin listener's port, when started with one.
    let adminPort: Int?
    let audit: CollectingAuditSink
    let metrics: GatewayMetrics
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(
        server: ProxyServer,
        port: Int,
        adminPort: Int?,
        audit: CollectingAuditSink,
        metrics: GatewayMetrics,
        group: ServiceGroup,
        task: Task<Void, any Error>
    ) {
        self.server = server
        self.port = port
        self.adminPort = adminPort
        self.audit = audit
        self.metrics = metrics
        self.group = group
        self.task = task
    }

    /// Starts the gateway with `rules` (listening on 127.0.0.1, port 0).
    static func start(
        _ rules: Rules,
        threads: Int = 1,
        withAdmin: Bool = false,
        configure: (Rules, CollectingAuditSink) throws -> ProxyConfiguration = { try ProxyConfiguration(rules: $0, auditSink: $1) }
    ) async throws -> GatewayHarness {
        var rules = rules
        rules.server.listen = [ListenAddress(host: "127.0.0.1", port: 0)]
        rules.server.threads = threads
        let audit = CollectingAuditSink()
        let metrics = GatewayMetrics()
        let readiness = Readiness()
        let configuration = try configure(rules, audit)
        var logger = Logger(label: "gateway-test")
        logger.logLevel = .critical
        let server = try ProxyServer.make(
            rules: rules,
            configuration: configuration,
            metrics: metrics,
            logger: logger,
            onDrain: { readiness.markDraining() }
        )
        var services: [any Service] = []
        var admin: AdminServer?
        if withAdmin {
            let adminServer = AdminServer(
                address: try SocketAddress(ipAddress: "127.0.0.1", port: 0),
                metrics: metrics,
                readiness: readiness,
                group: MultiThreadedEventLoopGroup.singleton,
                logger: logger
            )
            services.append(adminServer)
            admin = adminServer
        }
        services.append(server)
        let group = ServiceGroup(services: services, logger: logger)
        let task = Task { try await group.run() }
        let addresses = try await server.listeningAddresses()
        readiness.markReady()
        let adminPort = try await admin?.listeningAddress().port
        return GatewayHarness(
            server: server,
            port: addresses[0].port!,
            adminPort: adminPort,
            audit: audit,
            metrics: metrics,
            group: group,
            task: task
        )
    }

    /// Triggers graceful shutdown (as SIGTERM does) and waits until the server stopped.
    func stop() async throws {
        await self.group.triggerGracefulShutdown()
        try await self.task.value
    }

    /// Begins graceful shutdown without waiting.
    func beginShutdown() async {
        await self.group.triggerGracefulShutdown()
    }

    func waitUntilStopped() async throws {
        try await self.task.value
    }
}

/// Keeps audit records in memory for assertions.
final class CollectingAuditSink: AuditSink {
    private struct State {
        var records: [AuditRecord] = []
        var waiters: [(Int, CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())

    func submit(_ record: consuming AuditRecord) -> AuditAdmission {
        let kept = record
        let ready = self.state.withLock { state in
            state.records.append(kept)
            let count = state.records.count
            let ready = state.waiters.filter { $0.0 <= count }.map(\.1)
            state.waiters.removeAll { $0.0 <= count }
            return ready
        }
        for waiter in ready { waiter.resume() }
        return .accepted
    }

    /// Returns once at least `count` records arrived.
    func waitForRecords(_ count: Int) async {
        await withCheckedContinuation { continuation in
            let done = self.state.withLock { state in
                if state.records.count >= count { return true }
                state.waiters.append((count, continuation))
                return false
            }
            if done { continuation.resume() }
        }
    }

    func notifyWhenDrained(on eventLoop: any EventLoop, _ callback: @escaping @Sendable () -> Void) {
        eventLoop.execute(callback)
    }

    var all: [AuditRecord] { self.state.withLock { $0.records } }
}

/// Rules for tests: one upstream `up` at `port`, and the given routes.
func testRules(upstreamPort: Int, routes: [RouteRule], configure: (inout Rules) -> Void = { _ in }) -> Rules {
    var rules = Rules(
        sourcePath: "test.conf",
        upstreams: [UpstreamRule(name: "up", targets: [UpstreamTarget(host: "127.0.0.1", port: upstreamPort)])],
        routes: routes
    )
    configure(&rules)
    return rules
}

/// A public route forwarding `prefix` to `up`.
func publicRoute(_ name: String = "public", prefix: String = "/", stripPrefix: Bool = false) -> RouteRule {
    RouteRule(name: name, path: .prefix(prefix), upstream: "up", stripPrefix: stripPrefix, isPublic: true)
}
