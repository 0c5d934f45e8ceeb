import DequeModule
import GatewayMetrics
import GatewayRules
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// One event loop's connection to Redis: made, authenticated, replaced and backed off as
/// `RedisLinkStateMachine` decides; its commands go through `RedisConnectionHandler`. Lives on its
/// loop and is touched only there, so the request path takes no lock and hops no thread.
final class RedisLoopConnection {
    struct Waiter {
        let command: RedisCommand
        let promise: EventLoopPromise<RESPValue>
    }

    let eventLoop: any EventLoop
    private let configuration: RedisConfiguration
    private let sslContext: NIOSSLContext?
    private let metrics: RedisMetrics?
    private let logger: Logger
    private var machine: RedisLinkStateMachine<Waiter>
    private var handler: RedisConnectionHandler?
    private var channel: (any Channel)?
    private var retryTimer: Scheduled<Void>?
    private var readyWaiters: [EventLoopPromise<Void>] = []
    private var random = SystemRandomNumberGenerator()

    init(
        eventLoop: any EventLoop,
        configuration: RedisConfiguration,
        sslContext: NIOSSLContext?,
        metrics: RedisMetrics?,
        logger: Logger
    ) {
        self.eventLoop = eventLoop
        self.configuration = configuration
        self.sslContext = sslContext
        self.metrics = metrics
        self.logger = logger
        self.machine = RedisLinkStateMachine(maxQueued: configuration.maxPendingCommands)
    }

    /// Sends `command`; the future completes on this loop. Call on this loop.
    func send(_ command: RedisCommand) -> EventLoopFuture<RESPValue> {
        let promise = self.eventLoop.makePromise(of: RESPValue.self)
        switch self.machine.send(Waiter(command: command, promise: promise)) {
        case .write(let waiter):
            self.handler!.send(waiter.command, promise: waiter.promise)
        case .queued:
            break
        case .connectAndQueue:
            self.connect()
        case .fail(let waiter, let error):
            self.metrics?.recordError(kind: error.kind)
            waiter.promise.fail(error)
        }
        return promise.futureResult
    }

    /// Completes when a connection is established (at once when one is); starts connecting when
    /// idle. Fails only when the client shuts down.
    func ready() -> EventLoopFuture<Void> {
        if self.machine.isReady { return self.eventLoop.makeSucceededVoidFuture() }
        if case .shutDown = self.machine.state { return self.eventLoop.makeFailedFuture(RedisError.shutDown) }
        let promise = self.eventLoop.makePromise(of: Void.self)
        self.readyWaiters.append(promise)
        if self.machine.connectIfIdle() { self.connect() }
        return promise.futureResult
    }

    /// Closes the connection and fails whatever waits.
    func shutDown() -> EventLoopFuture<Void> {
        for waiter in self.machine.shutDown() { waiter.promise.fail(RedisError.shutDown) }
        self.retryTimer?.cancel()
        self.retryTimer = nil
        for promise in self.readyWaiters { promise.fail(RedisError.shutDown) }
        self.readyWaiters = []
        if self.handler != nil { self.metrics?.connectionClosed() }
        self.handler = nil
        guard let channel = self.channel else { return self.eventLoop.makeSucceededVoidFuture() }
        self.channel = nil
        return channel.close().recover { _ in }
    }

    // MARK: Connecting

    private func connect() {
        let configuration = self.configuration
        let handler = RedisConnectionHandler(
            commandTimeout: configuration.commandTimeout,
            maxPending: configuration.maxPendingCommands,
            metrics: self.metrics
        )
        let boundHandler = NIOLoopBound(handler, eventLoop: self.eventLoop)
        let sslContext = self.sslContext
        // SNI carries host names only (RFC 6066 §3); an IP address is verified without it.
        let serverHostname = configuration.host.isIPAddress ? nil : configuration.host
        ClientBootstrap(group: self.eventLoop)
            .connectTimeout(configuration.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let sslContext {
                        try pipeline.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: serverHostname))
                    }
                    try pipeline.addHandler(ByteToMessageHandler(RESPReplyDecoder(limits: configuration.replyLimits)))
                    try pipeline.addHandler(boundHandler.value)
                }
            }
            .connect(host: configuration.host, port: configuration.port)
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    self.authenticate(channel, handler)
                case .failure(let error):
                    self.connectFailed(.connect(Self.describe(error)))
                }
            }
    }

    /// `AUTH` and `SELECT`, pipelined, before the connection takes commands.
    private func authenticate(_ channel: any Channel, _ handler: RedisConnectionHandler) {
        var commands: [RedisCommand] = []
        if let password = self.configuration.password {
            let secret = RedisArgument(ByteBuffer(bytes: password.bytes))
            if let username = self.configuration.username {
                commands.append(RedisCommand("AUTH", [RedisArgument(username), secret]))
            } else {
                commands.append(RedisCommand("AUTH", [secret]))
            }
        } else if let username = self.configuration.username {
            // A user without a password (an ACL user with `nopass` accepts any).
            commands.append(RedisCommand("AUTH", [RedisArgument(username), ""]))
        }
        if self.configuration.database != 0 {
            commands.append(RedisCommand("SELECT", [RedisArgument(self.configuration.database)]))
        }
        let replies = commands.map { command in
            let promise = self.eventLoop.makePromise(of: RESPValue.self)
            handler.send(command, promise: promise)
            return promise.futureResult
        }
        EventLoopFuture.andAllSucceed(replies, on: self.eventLoop).assumeIsolated().whenComplete { result in
            switch result {
            case .success:
                self.connected(channel, handler)
            case .failure(let error):
                channel.close(promise: nil)
                let redisError = error as? RedisError
                if let message = redisError?.serverMessage {
                    self.connectFailed(.auth(message))
                } else {
                    self.connectFailed(.connect(redisError.map { "\($0)" } ?? Self.describe(error)))
                }
            }
        }
    }

    private func connected(_ channel: any Channel, _ handler: RedisConnectionHandler) {
        switch self.machine.connected() {
        case .close:
            channel.close(promise: nil)
        case .writeQueued(let queued):
            self.handler = handler
            self.channel = channel
            self.metrics?.connectionOpened()
            handler.onClose = { [weak self] error in self?.connectionLost(error) }
            self.logger.debug("Redis connected", metadata: ["redis": "\(self.configuration.displayAddress)"])
            for waiter in queued { handler.send(waiter.command, promise: waiter.promise) }
            let readyWaiters = self.readyWaiters
            self.readyWaiters = []
            for promise in readyWaiters { promise.succeed() }
        }
    }

    private func connectionLost(_ error: RedisError) {
        guard self.handler != nil else { return }
        self.handler = nil
        self.channel = nil
        self.metrics?.connectionClosed()
        self.logger.warning(
            "Redis connection lost; reconnecting",
            metadata: ["redis": "\(self.configuration.displayAddress)", "reason": "\(error)"]
        )
        if self.machine.connectionLost() { self.connect() }
    }

    private func connectFailed(_ error: RedisError) {
        self.metrics?.recordError(kind: error.kind)
        switch self.machine.connectFailed(error) {
        case .none:
            return
        case .failAndRetry(let queued, let failures):
            for waiter in queued {
                self.metrics?.recordError(kind: error.kind)
                waiter.promise.fail(error)
            }
            let delay = self.configuration.backoff.delay(
                afterFailures: failures,
                random: Double.random(in: 0..<1, using: &self.random)
            )
            // Once per outage at warning; each further attempt at debug.
            let metadata: Logger.Metadata = [
                "redis": "\(self.configuration.displayAddress)", "reason": "\(error)", "retry_in_ms": "\(delay.nanoseconds / 1_000_000)",
            ]
            if failures == 1 {
                self.logger.warning("cannot connect to Redis; retrying with backoff", metadata: metadata)
            } else {
                self.logger.debug("Redis reconnection failed", metadata: metadata)
            }
            self.retryTimer = self.eventLoop.assumeIsolated().scheduleTask(in: delay) {
                self.retryTimer = nil
                if self.machine.retryTimerFired() { self.connect() }
            }
        }
    }

    /// A connection error's text: NIO's errors name the address and the cause, never user info.
    private static func describe(_ error: any Error) -> String {
        if let error = error as? ChannelError, case .connectTimeout(let timeout) = error {
            return "no connection within \(timeout.nanoseconds / 1_000_000) ms"
        }
        if let error = error as? NIOConnectionError {
            if let first = error.connectionErrors.first { return "\(first.error)" }
            if error.dnsAError != nil || error.dnsAAAAError != nil { return "the host name does not resolve" }
        }
        return "\(error)"
    }
}

@available(*, unavailable)
extension RedisLoopConnection: Sendable {}

extension String {
    /// Whether this is an IPv4 or IPv6 literal.
    var isIPAddress: Bool {
        (try? SocketAddress(ipAddress: self, port: 0)) != nil
    }
}
