import Foundation
import GatewayAdmin
import GatewayAudit
import GatewayPolicy
public import GatewayMetrics
public import GatewayProxy
public import GatewayRules
public import Logging
import Metrics
import NIOCore
public import NIOPosix
import Prometheus
import ServiceLifecycle
import Synchronization
import UnixSignals
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `gateway run`: the proxy, the admin listener, the reload listener, the JWKS refresher and
/// the audit log as one service group. SIGTERM/SIGINT drain gracefully; SIGHUP reloads the
/// rules file (SPEC §7).
///
/// Start-up (SPEC §9) never hangs: the rules are loaded, JWK Sets fetched and every listener
/// bound before any service runs, and a listener that cannot bind is an error naming its address
/// and cause. SIGTERM and SIGINT are trapped first of all: during start-up they stop the gateway
/// at once (exit 0), while serving the first one drains and a second one aborts what still runs.
public struct GatewayRuntime: Sendable {
    public let rulesPath: String
    public let logger: Logger

    public init(rulesPath: String, logger: Logger) {
        self.rulesPath = rulesPath
        self.logger = logger
    }

    /// Runs until a shutdown signal, then returns once drained and the audit log is flushed (also
    /// when the signal came during start-up). Throws `RulesError` for invalid rules and
    /// `ListenError` for listeners that cannot be bound.
    public func run() async throws {
        let signals = await ShutdownSignals()
        // SIGHUP is trapped as early: its default action would end a gateway still starting, and
        // one sent during start-up (a logrotate, say) is handled once the reload service runs.
        let reloads = await UnixSignalsSequence(trapping: .sighup)
        self.logger.info(
            "starting",
            metadata: [
                "version": "\(GatewayVersion.number)", "commit": "\(GatewayVersion.commit ?? "unknown")",
                "pid": "\(getpid())",
            ]
        )
        let startUp = Task { try await self.startUp(reloads: reloads) }
        switch await signals.race(startUp) {
        case .signalled(let signal):
            self.logger.info("signal received during start-up; stopping", metadata: ["signal": "\(signal)"])
        case .finished(.failure(let error)):
            throw error
        case .finished(.success(let gateway)):
            try await self.serve(gateway, signals: signals)
        }
    }

    /// Everything ready to serve, listeners bound.
    private struct StartedGateway: Sendable {
        let services: [ServiceGroupConfiguration.ServiceConfiguration]
        let server: ProxyServer
        let readiness: Readiness
        let auditLog: AuditLog
        /// The replay store and rate limiter, and the proxy's event loops they live on (closed
        /// after the drain).
        let shared: SharedState
        let loops: MultiThreadedEventLoopGroup
    }

    /// Loads the rules, fetches JWK Sets, builds the configuration and binds every listener.
    private func startUp(reloads: UnixSignalsSequence) async throws -> StartedGateway {
        let loaded = try RulesFile.load(self.rulesPath)
        for warning in loaded.warnings { self.logger.warning("\(warning)") }
        let fetcher = try HTTPSFetcher(group: MultiThreadedEventLoopGroup.singleton)
        let fetched = await JWKSRefresher.fetchAll(loaded.rules.jwks, fetcher: fetcher, logger: self.logger)
        try Task.checkCancellation()
        let policy = try RulesFile.compile(loaded, fetchedJWKS: fetched)
        let rules = loaded.rules
        self.logger.info(
            "rules loaded",
            metadata: [
                "path": "\(Self.absolutePath(self.rulesPath))",
                "routes": "\(rules.routes.count)",
                "keys": "\(policy.jwtKeyCount)",
                "api_keys": "\(rules.apiKeys.count)",
                "signing_keys": "\(rules.signingKeys.count)",
                "upstreams": "\(rules.upstreams.count)",
            ]
        )

        let metrics = GatewayMetrics()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics.registry))
        let auditLog = try AuditService.makeLog(rules.audit, logger: self.logger)
        AuditService.exportMetrics(of: auditLog, to: metrics)
        let readiness = Readiness()
        let refreshRequests = JWKSRefreshRequests()
        let observer: @Sendable (String) -> Void = { refreshRequests.unknownKeyID($0) }
        // The proxy's event loops are made first: the Redis client keeps one connection on each.
        let loops = ProxyServer.makeEventLoopGroup(threads: rules.server.threads)
        let shared = SharedState(group: loops, metrics: metrics, logger: self.logger)
        let configuration = try ProxyConfiguration(
            rules: rules,
            policy: policy,
            auditSink: auditLog,
            nonceStore: shared.nonceStore(for: rules),
            rateLimiter: shared.rateLimiter(for: rules),
            unknownKeyObserver: observer
        )
        let server = try ProxyServer.make(
            rules: rules,
            configuration: configuration,
            metrics: metrics,
            logger: self.logger,
            group: loops,
            onDrain: { readiness.markDraining() }
        )
        metrics.addCollector {
            if let entries = shared.entryCount { metrics.replayStoreEntries.set(Int64(entries)) }
        }
        let store = ConfigurationStore(
            rulesPath: self.rulesPath,
            rules: rules,
            policy: policy,
            fetchedJWKS: fetched,
            shared: shared,
            server: server,
            auditLog: auditLog,
            metrics: metrics,
            logger: self.logger,
            unknownKeyObserver: observer
        )

        // Every listener is bound here, before anything is served, and every failure reported.
        var failures: [ListenError.Failure] = []
        do {
            try await server.bind()
        } catch let error as ListenError {
            failures += error.failures
        }
        var adminServer: AdminServer?
        if let admin = rules.admin {
            do {
                let address = try SocketAddress.makeAddressResolvingHost(admin.listen.host, port: admin.listen.port)
                let listener = AdminServer(
                    address: address,
                    metrics: metrics,
                    readiness: readiness,
                    group: MultiThreadedEventLoopGroup.singleton,
                    logger: self.logger
                )
                try await listener.bind()
                adminServer = listener
            } catch {
                failures += ListenError(address: admin.listen.description, role: "admin", error: error).failures
            }
        }
        if !failures.isEmpty { throw ListenError(failures: failures) }

        // Shutdown runs in reverse order: reload and refresh stop, the proxy drains, the admin
        // listener closes (so /readyz answers 503 throughout the drain), the audit log flushes last.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: AuditService(log: auditLog))]
        if let adminServer { services.append(.init(service: adminServer)) }
        services.append(.init(service: server))
        services.append(
            .init(service: ReloadService(store: store, auditLog: auditLog, signals: reloads), successTerminationBehavior: .ignore)
        )
        services.append(
            .init(
                service: JWKSRefresher(store: store, fetcher: fetcher, requests: refreshRequests, logger: self.logger),
                successTerminationBehavior: .ignore
            )
        )
        return StartedGateway(
            services: services,
            server: server,
            readiness: readiness,
            auditLog: auditLog,
            shared: shared,
            loops: loops
        )
    }

    /// Serves until a signal: the first drains (SPEC §1), a second one ends the drain at once.
    private func serve(_ gateway: StartedGateway, signals: ShutdownSignals) async throws {
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: gateway.services, logger: self.logger))
        let received = ReceivedSignals()
        let logger = self.logger
        let server = gateway.server
        signals.onSignal { signal in
            if received.count() == 1 {
                logger.info("signal received; draining", metadata: ["signal": "\(signal)"])
                Task { await group.triggerGracefulShutdown() }
            } else {
                logger.warning("signal received again; aborting the requests still running", metadata: ["signal": "\(signal)"])
                server.endDrainNow()
            }
        }
        // The proxy listens (it was bound during start-up): `/readyz` answers 200 from here.
        gateway.readiness.markReady()
        self.logger.info("ready")
        try await group.run()
        self.logger.info("audit log flushed", metadata: ["records": "\(gateway.auditLog.recordsWritten)"])
        await gateway.shared.shutdown()
        try? await gateway.loops.shutdownGracefully()
    }

    static func absolutePath(_ path: String) -> String {
        guard !path.hasPrefix("/") else { return URL(fileURLWithPath: path).standardizedFileURL.path }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            .appendingPathComponent(path).standardizedFileURL.path
    }
}

/// Counts the shutdown signals received while serving.
private final class ReceivedSignals: Sendable {
    private let received = Mutex(0)

    /// Counts one more; returns the count.
    func count() -> Int {
        self.received.withLock { count in
            count += 1
            return count
        }
    }
}

extension ProxyServer {
    /// A server for the rules' `[server]` settings. A `listen` host name that does not resolve is
    /// a `ListenError` naming it.
    public static func make(
        rules: Rules,
        configuration: ProxyConfiguration,
        metrics: GatewayMetrics,
        logger: Logger,
        group: MultiThreadedEventLoopGroup? = nil,
        onDrain: @escaping @Sendable () -> Void = {}
    ) throws -> ProxyServer {
        let listen = try rules.server.listen.map { listen in
            do {
                return try SocketAddress.makeAddressResolvingHost(listen.host, port: listen.port)
            } catch {
                throw ListenError(address: listen.description, role: "proxy", error: error)
            }
        }
        return ProxyServer(
            configuration: configuration,
            listen: listen,
            threads: rules.server.threads,
            metrics: metrics,
            logger: logger,
            group: group,
            onDrain: onDrain
        )
    }
}
