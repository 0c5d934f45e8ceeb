import GatewayHTTP1
import GatewayRules
import NIOCore
import NIOPosix
import NIOSSL

/// Keep-alive connections to one upstream target, owned by one event loop.
///
/// A downstream connection is forwarded over an upstream connection on the same loop, so the
/// request path never hops threads or takes a lock (the nginx/Envoy worker model). Idle
/// connections are reused last-in first-out, which keeps the warmest ones busy and lets the
/// others time out upstream.
final class UpstreamPool {
    let target: ResolvedUpstream.Target
    private let eventLoop: any EventLoop
    /// The response codec's limits.
    private let limits: HTTP1Limits
    private var idle: [UpstreamConnection] = []
    /// Idle connections kept at most; more are closed when released.
    let maxIdle: Int

    init(target: ResolvedUpstream.Target, eventLoop: any EventLoop, limits: HTTP1Limits, maxIdle: Int = 256) {
        self.target = target
        self.eventLoop = eventLoop
        self.limits = limits
        self.maxIdle = maxIdle
    }

    /// Number of idle connections (for tests and metrics).
    var idleCount: Int { self.idle.count }

    /// An idle connection if one is alive (unless `fresh`), else a new one. `completion` runs
    /// on the pool's event loop, before this returns when a pooled connection is handed out.
    func acquire(
        fresh: Bool,
        connectTimeout: TimeAmount,
        tls: NIOSSLContext?,
        _ completion: @escaping (Result<UpstreamConnection, any Error>) -> Void
    ) {
        while !fresh, let connection = self.idle.popLast() {
            if connection.isActive {
                completion(.success(connection))
                return
            }
        }
        self.connect(timeout: connectTimeout, tls: self.target.target.scheme == .https ? tls : nil, completion)
    }

    /// An idle connection that is still open, if any (last in, first out): the warm path, with
    /// no closure and no future.
    func takeIdle() -> UpstreamConnection? {
        while let connection = self.idle.popLast() {
            if connection.isActive { return connection }
        }
        return nil
    }

    /// Returns a connection after a complete exchange; closes it if it cannot be reused.
    func release(_ connection: UpstreamConnection) {
        connection.detach()
        guard connection.isReusable, connection.isActive, self.idle.count < self.maxIdle else {
            connection.close()
            return
        }
        self.idle.append(connection)
    }

    /// Forgets a connection that closed while idle.
    func remove(_ connection: UpstreamConnection) {
        self.idle.removeAll { $0 === connection }
    }

    /// Closes every idle connection (on shutdown or when the target leaves the rules).
    func closeIdle() {
        let connections = self.idle
        self.idle.removeAll()
        for connection in connections { connection.close() }
    }

    /// Opens a connection to the target: its addresses first (a host name is looked up off the
    /// event loop, SPEC §9 "Upstream names"), then TCP, then for `https` the TLS handshake, all
    /// within `timeout`. Any failure — a name that does not resolve included — is a failed
    /// connect, and makes the next connection look the name up again.
    private func connect(
        timeout: TimeAmount,
        tls: NIOSSLContext?,
        _ completion: @escaping (Result<UpstreamConnection, any Error>) -> Void
    ) {
        let deadline = NIODeadline.now() + timeout
        let resolver = self.target.resolver
        resolver.addresses(on: self.eventLoop, by: deadline).assumeIsolated().whenComplete { result in
            switch result {
            case .success(let addresses):
                self.connect(to: addresses, deadline: deadline, tls: tls) { outcome in
                    if case .failure = outcome { resolver.forget() }
                    completion(outcome)
                }
            case .failure(let error):
                completion(.failure(error))
            }
        }
    }

    private func connect(
        to addresses: [SocketAddress],
        deadline: NIODeadline,
        tls: NIOSSLContext?,
        _ completion: @escaping (Result<UpstreamConnection, any Error>) -> Void
    ) {
        let serverHostname = self.target.serverHostname
        let limits = self.limits
        let handshake: EventLoopPromise<Void>? = tls == nil ? nil : self.eventLoop.makePromise()
        let bootstrap = ClientBootstrap(group: self.eventLoop)
            .connectTimeout(max(deadline - .now(), .milliseconds(1)))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                do {
                    if let tls, let handshake {
                        // `https` targets: the certificate is verified (ca_file or system store)
                        // and must name the target's host, before the connection is used.
                        try channel.pipeline.syncOperations.addHandlers(
                            try NIOSSLClientHandler(context: tls, serverHostname: serverHostname),
                            TLSHandshakeWaiter(promise: handshake)
                        )
                    }
                    // Requests leave as bytes (`UpstreamRequestHead`); the gateway's codec frames the
                    // responses, told of each request's method (a HEAD response has no body).
                    try channel.pipeline.syncOperations.addHandler(UpstreamConnection(limits: limits))
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
        // One address (an IP-address target, or a name with one address) is connected to
        // directly; several go through NIO's Happy Eyeballs (RFC 8305) in the order looked up.
        let connected: EventLoopFuture<any Channel>
        if addresses.count == 1 {
            connected = bootstrap.connect(to: addresses[0])
        } else {
            connected = bootstrap.resolver(KnownAddresses(addresses: addresses, eventLoop: self.eventLoop))
                .connect(host: self.target.resolver.host, port: self.target.resolver.port)
        }
        connected.assumeIsolated().whenComplete { result in
            switch result {
            case .success(let channel):
                guard let handshake else {
                    self.connected(channel, completion)
                    return
                }
                handshake.futureResult.assumeIsolated().whenComplete { outcome in
                    switch outcome {
                    case .success:
                        self.connected(channel, completion)
                    case .failure(let error):
                        channel.close(promise: nil)
                        completion(.failure(error))
                    }
                }
            case .failure(let error):
                handshake?.fail(error)
                completion(.failure(error))
            }
        }
    }

    /// Hands a connected (and, for `https`, verified) channel's handler to the requester.
    private func connected(_ channel: any Channel, _ completion: (Result<UpstreamConnection, any Error>) -> Void) {
        do {
            let handler = try channel.pipeline.syncOperations.handler(type: UpstreamConnection.self)
            handler.pool = self
            completion(.success(handler))
        } catch {
            channel.close(promise: nil)
            completion(.failure(error))
        }
    }
}

@available(*, unavailable)
extension UpstreamPool: Sendable {}
