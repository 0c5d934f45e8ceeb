import GatewayAudit
import GatewayMetrics
import GatewayProxy
import GatewayRules
public import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import UnixSignals

/// `gateway demo`: a built-in echo upstream and the gateway with an embedded configuration on
/// 127.0.0.1:8080, plus ready-to-paste `curl` lines — some that pass, some that are refused.
public struct DemoRunner: Sendable {
    public let listenPort: Int
    public let logger: Logger

    public init(listenPort: Int = 8080, logger: Logger) {
        self.listenPort = listenPort
        self.logger = logger
    }

    public func run() async throws {
        let upstreamGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let echo = try await EchoUpstream.start(group: upstreamGroup)
        let upstreamPort = echo.address.port ?? 0
        let text = DemoConfiguration.rules(listenPort: self.listenPort, upstreamPort: upstreamPort)
        let loaded = try RulesLoader(environment: [:]).load(text: text, path: "demo.conf")
        let configuration = try ProxyConfiguration(rules: loaded.rules, auditSink: DiscardingAuditSink())
        let server = try ProxyServer.make(
            rules: loaded.rules,
            configuration: configuration,
            metrics: GatewayMetrics(),
            logger: self.logger
        )
        let group = ServiceGroup(
            services: [server, DemoBanner(server: server, port: self.listenPort)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: self.logger
        )
        try await group.run()
        try await echo.stop()
        try await upstreamGroup.shutdownGracefully()
    }
}

/// Prints the curl lines once the gateway listens, then waits for shutdown.
private struct DemoBanner: Service {
    let server: ProxyServer
    let port: Int

    func run() async throws {
        _ = try await self.server.listeningAddresses()
        print(DemoConfiguration.banner(port: self.port))
        try await gracefulShutdown()
    }
}
