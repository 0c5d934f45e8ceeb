public import GatewayMetrics
public import Logging
public import NIOCore
import NIOSSL

/// A Redis client with one pipelined connection per event loop of its group.
///
/// A command is sent on the connection of the loop it is issued from, and its future completes
/// on that loop: the request path never hops threads and never takes a lock for Redis. Commands
/// issued together on a loop leave in one write; replies are matched in order. Each loop's
/// connection is made on first use (or by `ready(on:)`), authenticated (`AUTH`, `SELECT`),
/// replaced when lost, and retried with capped exponential backoff when the server is down —
/// meanwhile commands fail at once (`RedisError`, kind `unavailable`), never wait indefinitely.
///
/// Nothing it logs or throws holds the password.
public final class RedisClient: Sendable {
    public let configuration: RedisConfiguration
    private let connections: [ObjectIdentifier: NIOLoopBoundBox<RedisLoopConnection>]
    /// For callers on a loop outside the group: the commands run there and hop back.
    private let someConnection: NIOLoopBoundBox<RedisLoopConnection>

    /// - Parameters:
    ///   - group: one connection is kept per event loop of it (made when first used).
    ///   - metrics: round trips, errors and open connections; nil records nothing.
    /// - Throws: when `configuration.tls` cannot make a TLS context (unreadable trust roots).
    public init(
        configuration: RedisConfiguration,
        group: any EventLoopGroup,
        metrics: RedisMetrics? = nil,
        logger: Logger
    ) throws {
        self.configuration = configuration
        let sslContext = try configuration.tls.map { try NIOSSLContext(configuration: $0) }
        var connections: [ObjectIdentifier: NIOLoopBoundBox<RedisLoopConnection>] = [:]
        var first: NIOLoopBoundBox<RedisLoopConnection>?
        for loop in group.makeIterator() {
            let box = NIOLoopBoundBox.makeBoxSendingValue(
                RedisLoopConnection(
                    eventLoop: loop,
                    configuration: configuration,
                    sslContext: sslContext,
                    metrics: metrics,
                    logger: logger
                ),
                as: RedisLoopConnection.self,
                eventLoop: loop
            )
            connections[ObjectIdentifier(loop)] = box
            if first == nil { first = box }
        }
        self.connections = connections
        self.someConnection = first!
    }

    /// Sends `command` on `eventLoop`'s connection; the future completes on `eventLoop` with the
    /// reply, or fails with a `RedisError` (an error reply, a timeout, no connection).
    ///
    /// Called on `eventLoop` itself (the request path), this takes no lock and hops no thread.
    public func send(_ command: RedisCommand, on eventLoop: any EventLoop) -> EventLoopFuture<RESPValue> {
        if let box = self.connections[ObjectIdentifier(eventLoop)] {
            if eventLoop.inEventLoop { return box.value.send(command) }
            return eventLoop.flatSubmit { box.value.send(command) }
        }
        let box = self.someConnection
        return box.eventLoop.flatSubmit { box.value.send(command) }.hop(to: eventLoop)
    }

    /// Completes when `eventLoop`'s connection is established — at once when it is, else when
    /// the next attempt succeeds, however many fail before — and starts connecting if it has not.
    /// Fails only when the client shuts down. For readiness checks and tests.
    public func ready(on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        let box = self.connections[ObjectIdentifier(eventLoop)] ?? self.someConnection
        return box.eventLoop.flatSubmit { box.value.ready() }.hop(to: eventLoop)
    }

    /// Closes every connection; commands waiting fail with kind `shutdown`, later ones at once.
    public func shutdown() async {
        let futures = self.connections.values.map { box in
            box.eventLoop.flatSubmit { box.value.shutDown() }
        }
        for future in futures { try? await future.get() }
    }
}
