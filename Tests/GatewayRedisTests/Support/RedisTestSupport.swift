import GatewayMetrics
import GatewayRedisTesting
import GatewayRules
import Logging
import NIOCore
import NIOPosix
import Synchronization

@testable import GatewayRedis

/// What the tests against a real `redis-server` share: a loop group, clients, and a log capture.
enum RedisTestSupport {
    /// A configuration for `server` with short timeouts, so failures show quickly.
    static func configuration(
        _ server: RedisServer,
        database: Int = 0,
        commandTimeout: TimeAmount = .milliseconds(500)
    ) -> RedisConfiguration {
        RedisConfiguration(
            host: server.host,
            port: server.port,
            database: database,
            connectTimeout: .milliseconds(500),
            commandTimeout: commandTimeout,
            backoff: RedisBackoff(initial: .milliseconds(10), maximum: .milliseconds(100))
        )
    }

    /// Runs `body` with a fresh `redis-server` and an event-loop group of `threads` threads, then
    /// stops both — also when `body` throws, so a failing test leaves no server running.
    static func withServer<Value>(
        arguments: [String] = [],
        tls: RedisServer.TLSFiles? = nil,
        threads: Int = 1,
        _ body: (RedisServer, MultiThreadedEventLoopGroup) async throws -> Value
    ) async throws -> Value {
        let server = try await RedisServer.start(arguments: arguments, tls: tls)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let outcome: Result<Value, any Error>
        do {
            outcome = .success(try await body(server, group))
        } catch {
            outcome = .failure(error)
        }
        await server.stop()
        try await group.shutdownGracefully()
        return try outcome.get()
    }

    /// What `[replay] store = "URL"` in a rules file loads to, or nil when it is not a Redis
    /// store: the path from a URL an operator writes to the client's configuration.
    static func redisLocation(fromStoreURL url: String) throws -> RedisLocation? {
        let store = try RulesLoader().load(
            text: """
                [replay]
                store = "\(url)"
                [[upstreams]]
                name = "u"
                targets = ["127.0.0.1:9"]
                [[routes]]
                name = "r"
                path = "/"
                upstream = "u"
                """,
            path: "/tmp/gateway.conf"
        ).rules.replay.store
        guard case .redis(let location) = store else { return nil }
        return location
    }

    static func client(
        _ configuration: RedisConfiguration,
        group: any EventLoopGroup,
        metrics: GatewayMetrics? = nil,
        logs: LogCapture = LogCapture()
    ) throws -> RedisClient {
        try RedisClient(configuration: configuration, group: group, metrics: metrics?.redis, logger: logs.logger)
    }

    /// Runs `body` on `loop` and measures there — not across the test's own awaits, which a
    /// loaded machine may delay — how long its future takes to complete.
    static func timed<Value: Sendable>(
        on loop: any EventLoop,
        _ body: @escaping @Sendable () -> EventLoopFuture<Value>
    ) async throws -> (value: Value, elapsed: TimeAmount) {
        try await loop.flatSubmit {
            let started = NIODeadline.now()
            return body().map { value in (value, NIODeadline.now() - started) }
        }.get()
    }

    /// Sends `command` from `loop` and measures on the loop how long until it succeeded or failed.
    static func timedSend(
        _ client: RedisClient,
        _ command: RedisCommand,
        on loop: any EventLoop
    ) async throws -> (result: Result<RESPValue, RedisError>, elapsed: TimeAmount) {
        let (result, elapsed) = try await Self.timed(on: loop) {
            client.send(command, on: loop).map { Result<RESPValue, RedisError>.success($0) }.recover { error in
                .failure(error as? RedisError ?? .closed)
            }
        }
        return (result, elapsed)
    }

    /// Sends `command` from `loop` itself (as the request path does) and waits for the reply.
    static func send(_ client: RedisClient, _ command: RedisCommand, on loop: any EventLoop) async throws -> RESPValue {
        try await loop.flatSubmit { client.send(command, on: loop) }.get()
    }
}

/// Collects log records, to check what is logged and how often.
final class LogCapture: Sendable {
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: String
    }

    private let records = Mutex<[Record]>([])

    var logger: Logger {
        var logger = Logger(label: "redis-test") { _ in Handler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    var all: [Record] { self.records.withLock { $0 } }

    func count(_ level: Logger.Level, containing text: String) -> Int {
        self.all.filter { $0.level == level && $0.message.contains(text) }.count
    }

    fileprivate func append(_ record: Record) {
        self.records.withLock { $0.append(record) }
    }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { self.metadata[key] }
            set { self.metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            self.capture.append(
                Record(level: event.level, message: "\(event.message)", metadata: "\(event.metadata ?? [:])")
            )
        }
    }
}
