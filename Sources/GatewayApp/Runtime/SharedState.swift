import GatewayLimits
import GatewayMetrics
import GatewayProxy
import GatewayRedis
import GatewayReplay
import GatewayRules
import Logging
import NIOCore
import Prometheus
import Synchronization

/// The state a process keeps across reloads (SPEC §7: the replay store survives a reload) and,
/// with `store = "redis://…"`, shares with every other replica: the replay store — nonces, `jti`s,
/// revocations — and the rate limiter's buckets.
///
/// Each is made when the rules first need it and kept while they name the same store. The Redis
/// client is made on the proxy's own event-loop group, so a request asks Redis from its own loop:
/// no thread hop, no lock.
final class SharedState: Sendable {
    private struct Redis: Sendable {
        let client: RedisClient
        let store: RedisNonceStore
        let limiter: RedisRateLimiter
    }

    private struct Held {
        var memoryStore: MemoryNonceStore?
        var memoryLimiter: MemoryRateLimiter?
        /// By the location's description (no password in it).
        var redis: [String: Redis] = [:]
        var current: (any NonceStore)?
    }

    private let group: any EventLoopGroup
    private let metrics: GatewayMetrics
    private let logger: Logger
    private let held = Mutex(Held())

    init(group: any EventLoopGroup, metrics: GatewayMetrics, logger: Logger) {
        self.group = group
        self.metrics = metrics
        self.logger = logger
    }

    /// The replay store `rules` use: Redis when they name one, else the process's memory store
    /// when a route needs one.
    func nonceStore(for rules: Rules) throws -> (any NonceStore)? {
        try self.held.withLock { held in
            let store: (any NonceStore)?
            switch rules.replay.store {
            case .redis(let location):
                store = try self.redis(location, in: &held).store
            case .memory:
                if held.memoryStore == nil, ProxyConfiguration.needsReplayStore(rules) {
                    held.memoryStore = MemoryNonceStore(capacity: rules.replay.capacity)
                    self.metrics.replayStoreCapacity.set(Int64(rules.replay.capacity))
                }
                store = held.memoryStore
            }
            held.current = store
            return store
        }
    }

    /// The rate limiter `rules` use: in Redis when the replay store is there (replicas share one
    /// budget; local buckets while it is down), else in memory; nil when no route is limited.
    func rateLimiter(for rules: Rules) throws -> (any RateLimiter)? {
        guard ProxyConfiguration.needsRateLimiter(rules) else { return nil }
        return try self.held.withLock { held in
            if case .redis(let location) = rules.replay.store { return try self.redis(location, in: &held).limiter }
            if held.memoryLimiter == nil { held.memoryLimiter = MemoryRateLimiter() }
            return held.memoryLimiter
        }
    }

    private func redis(_ location: RedisLocation, in held: inout Held) throws -> Redis {
        if let redis = held.redis[location.description] { return redis }
        let client = try RedisClient(
            configuration: RedisConfiguration(location),
            group: self.group,
            metrics: self.metrics.redis,
            logger: self.logger
        )
        let redis = Redis(
            client: client,
            store: RedisNonceStore(client: client, metrics: self.metrics),
            limiter: RedisRateLimiter(client: client, metrics: self.metrics, logger: self.logger)
        )
        held.redis[location.description] = redis
        return redis
    }

    /// Entries held by the memory store in use, for `gateway_replay_store_entries`.
    var entryCount: Int? { self.held.withLock { $0.current?.entryCount } }

    /// Closes the Redis connections (after the drain).
    func shutdown() async {
        let clients = self.held.withLock { $0.redis.values.map(\.client) }
        for client in clients { await client.shutdown() }
    }
}
