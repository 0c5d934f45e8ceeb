import GatewayAudit
public import GatewayProxy
public import GatewayRules
public import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// `gateway run`: the proxy, the reload listener and the audit log as one service group.
/// SIGTERM/SIGINT drain gracefully; SIGHUP reloads the rules file (SPEC §7).
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
        let loaded = try RulesFile.load(self.rulesPath)
        for warning in loaded.warnings { self.logger.warning("\(warning)") }
        let auditSink: any AuditSink = DiscardingAuditSink()
        let configuration = try ProxyConfiguration(rules: loaded.rules, auditSink: auditSink)
        let server = try ProxyServer.make(rules: loaded.rules, configuration: configuration, logger: self.logger)
        let reload = ReloadService(
            rulesPath: self.rulesPath,
            running: loaded.rules,
            auditSink: auditSink,
            server: server,
            logger: self.logger
        )
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: server),
                    .init(service: reload, successTerminationBehavior: .ignore),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: self.logger
            )
        )
        try await group.run()
    }
}

extension ProxyServer {
    /// A server for the rules' `[server]` settings.
    public static func make(rules: Rules, configuration: ProxyConfiguration, logger: Logger) throws -> ProxyServer {
        let listen = try rules.server.listen.map { try SocketAddress.makeAddressResolvingHost($0.host, port: $0.port) }
        return ProxyServer(
            configuration: configuration,
            listen: listen,
            threads: rules.server.threads,
            shutdownGrace: TimeAmount(rules.server.shutdownGrace),
            logger: logger
        )
    }
}
