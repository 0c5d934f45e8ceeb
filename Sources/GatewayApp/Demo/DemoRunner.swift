import Crypto
import _CryptoExtras
import Foundation
import GatewayAudit
import GatewayCredentials
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
/// Its API key, HMAC secret and token are made fresh at every start.
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
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-demo-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let demo = try Self.configuration(listenPort: self.listenPort, upstreamPort: echo.address.port ?? 0, directory: directory)
        let rulesPath = directory.appendingPathComponent("demo.conf").path
        let loaded = try RulesLoader(environment: [:]).load(text: demo.rules, path: rulesPath)
        let policy = try RulesFile.compile(loaded)
        let auditLog = try AuditService.makeLog(loaded.rules.audit, logger: self.logger)
        let configuration = try ProxyConfiguration(
            rules: loaded.rules,
            policy: policy,
            auditSink: auditLog,
            nonceStore: ProxyConfiguration.makeNonceStore(for: loaded.rules)
        )
        let server = try ProxyServer.make(
            rules: loaded.rules,
            configuration: configuration,
            metrics: GatewayMetrics(),
            logger: self.logger
        )
        let group = ServiceGroup(
            services: [AuditService(log: auditLog), server, DemoBanner(server: server, text: demo.banner)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: self.logger
        )
        try await group.run()
        try await echo.stop()
        try await upstreamGroup.shutdownGracefully()
    }

    /// Fresh credentials for this run: an API key, an HS256 secret (in a file) and a token.
    static func configuration(listenPort: Int, upstreamPort: Int, directory: URL) throws -> DemoConfiguration {
        var generator = SystemRandomNumberGenerator()
        // The secret is text: 32 random bytes as 43 base64url characters. Raw random bytes would
        // lose their last byte when it is a newline (`secret_file` drops one trailing newline),
        // and the demo's rules would then refuse a 31-byte secret, one run in 256.
        let secret = Array(Base64URL.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }).utf8)
        let secretFile = directory.appendingPathComponent("demo-hs256.secret").path
        guard FileManager.default.createFile(atPath: secretFile, contents: Data(secret), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown)
        }
        let signingKey = Curve25519.Signing.PrivateKey()
        let signingPublicKeyFile = directory.appendingPathComponent("demo-bot.pub.pem").path
        let signingPrivateKeyFile = directory.appendingPathComponent("demo-bot.pem").path
        let bodyFile = directory.appendingPathComponent("charge.json").path
        try signingKey.publicKey.pemRepresentation.write(toFile: signingPublicKeyFile, atomically: true, encoding: .utf8)
        try signingKey.pemRepresentation.write(toFile: signingPrivateKeyFile, atomically: true, encoding: .utf8)
        try #"{"amount":42,"currency":"EUR"}"#.write(toFile: bodyFile, atomically: true, encoding: .utf8)
        let now = Int64(Date().timeIntervalSince1970)
        let token = try JWTSigner(algorithm: .hs256, secret: secret, keyID: "demo-hs256").sign(
            JWTClaims(sub: "demo-user", exp: now + 3600, iat: now, scopes: ["orders:read"], scopeClaim: "scope")
        )
        return DemoConfiguration(
            listenPort: listenPort,
            upstreamPort: upstreamPort,
            apiKey: try APIKeyGenerator.generate(prefix: "gk"),
            token: token,
            secretFile: secretFile,
            signingPublicKeyFile: signingPublicKeyFile,
            signingPrivateKeyFile: signingPrivateKeyFile,
            bodyFile: bodyFile,
            executable: CommandLine.arguments.first.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? "gateway"
        )
    }
}

/// Prints the curl lines once the gateway listens, then waits for shutdown.
private struct DemoBanner: Service {
    let server: ProxyServer
    let text: String

    func run() async throws {
        _ = try await self.server.listeningAddresses()
        printError(self.text)
        try await gracefulShutdown()
    }
}
