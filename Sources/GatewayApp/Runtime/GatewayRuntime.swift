import GatewayAdmin
import GatewayAudit
public import GatewayMetrics
public import GatewayProxy
public import GatewayRules
public import Logging
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle
import UnixSignals
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `gateway run`: the proxy, the admin listener, the reload listener, the JWKS refresher and
/// the audit log as one service group. SIGTERM/SIGINT drain gracefully; SIGHUP reloads the
/// rules file (SPEC §7).
public struct GatewayRuntime: Sendable {
    public let rulesPath: String
    public let logger: Logger

    public init(rulesPath: String, logger: Logger) {
        self.rulesPath = rulesPath
        self.logger = logger
    }

    /// Runs until a shutdown signal; throws when the rules cannot be loaded or a listener
    /// cannot be bound.
    public func run() async throws {
        // SIGHUP's default action ends the process: until the reload service traps it, a
        // logrotate or an impatient operator must not kill a gateway still starting.
        signal(SIGHUP, SIG_IGN)
        let loaded = try RulesFile.load(self.rulesPath)
        for warning in loaded.warnings { self.logger.warning("\(warning)") }
        let fetcher = try HTTPSFetcher(group: MultiThreadedEventLoopGroup.singleton)
        let fetched = await JWKSRefresher.fetchAll(loaded.rules.jwks, fetcher: fetcher, logger: self.logger)
        let policy = try RulesFile.compile(loaded, fetchedJWKS: fetched)

        let metrics = GatewayMetrics()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics.registry))
        let auditLog = try AuditService.makeLog(loaded.rules.audit, logger: self.logger)
        AuditService.exportMetrics(of: auditLog, to: metrics)
        let readiness = Readiness()
        let refreshRequests = JWKSRefreshRequests()
        let observer: @Sendable (String) -> Void = { refreshRequests.unknownKeyID($0) }
        let nonceStores = NonceStoreSlot()
        let configuration = try ProxyConfiguration(
            rules: loaded.rules,
            policy: policy,
            auditSink: auditLog,
            nonceStore: nonceStores.store(for: loaded.rules),
            unknownKeyObserver: observer
        )
        let server = try ProxyServer.make(
            rules: loaded.rules,
            configuration: configuration,
            metrics: metrics,
            logger: self.logger,
            onDrain: { readiness.markDraining() }
        )
        metrics.addCollector {
            if let entries = nonceStores.entryCount { metrics.replayStoreEntries.set(Int64(entries)) }
        }
        let store = ConfigurationStore(
            rulesPath: self.rulesPath,
            rules: loaded.rules,
            policy: policy,
            fetchedJWKS: fetched,
            nonceStores: nonceStores,
            server: server,
            auditLog: auditLog,
            metrics: metrics,
            logger: self.logger,
            unknownKeyObserver: observer
        )

        // Shutdown runs in reverse order: reload and refresh stop, the proxy drains, the admin
        // listener closes (so /readyz answers 503 throughout the drain), the audit log flushes last.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: AuditService(log: auditLog))]
        if let admin = loaded.rules.admin {
            let address = try SocketAddress.makeAddressResolvingHost(admin.listen.host, port: admin.listen.port)
            let adminServer = AdminServer(
                address: address,
                metrics: metrics,
                readiness: readiness,
                group: MultiThreadedEventLoopGroup.singleton,
                logger: self.logger
            )
            services.append(.init(service: adminServer))
        }
        services.append(.init(service: server))
        services.append(.init(service: ReloadService(store: store, auditLog: auditLog), successTerminationBehavior: .ignore))
        services.append(
            .init(
                service: JWKSRefresher(store: store, fetcher: fetcher, requests: refreshRequests, logger: self.logger),
                successTerminationBehavior: .ignore
            )
        )
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: self.logger
            )
        )
        // `/readyz` answers 200 once the proxy listens, not merely the admin listener.
        let readyWhenBound = Task {
            if (try? await server.listeningAddresses()) != nil { readiness.markReady() }
        }
        defer { readyWhenBound.cancel() }
        try await group.run()
    }
}

extension ProxyServer {
    /// A server for the rules' `[server]` settings.
    public static func make(
        rules: Rules,
        configuration: ProxyConfiguration,
        metrics: GatewayMetrics,
        logger: Logger,
        onDrain: @escaping @Sendable () -> Void = {}
    ) throws -> ProxyServer {
        let listen = try rules.server.listen.map { try SocketAddress.makeAddressResolvingHost($0.host, port: $0.port) }
        return ProxyServer(
            configuration: configuration,
            listen: listen,
            threads: rules.server.threads,
            metrics: metrics,
            logger: logger,
            onDrain: onDrain
        )
    }
}
