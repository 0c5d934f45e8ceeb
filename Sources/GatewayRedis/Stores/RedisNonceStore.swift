public import GatewayMetrics
public import GatewayReplay
public import NIOCore

/// The replay store shared by every replica (`[replay] store = "redis://…"`, SPEC §4): one
/// `SET key 1 NX PX <ms>` per claimed nonce or `jti` — the server sets the key only if it is
/// absent, atomically, so of two replicas claiming the same nonce at once exactly one is told
/// `OK` (redis.io, SET: "NX -- Only set the key if it does not already exist").
///
/// - **Keys.** `gw:nonce:<scope>:<value>` — the `NonceKey` scope (`signature:billing-bot`,
///   `jwt:auth-es256`) and the nonce itself: only what the configuration and the request say, so
///   every replica computes the same key. Never a replica's name, address or start time (a
///   gateway that put the node's identity in its keys had every node counting alone).
/// - **Expiry.** Redis forgets the key after the nonce's window: `PX` is the time from `now` to
///   the end of the second `expiresAt`, so a nonce is refused at least as long as the memory
///   store would refuse it (SPEC §9 "Signatures"). Redis expires keys itself; the store has no
///   capacity of its own (the server's `maxmemory` bounds it: configure `noeviction`, so a full
///   Redis refuses writes — `.unavailable` — rather than forgetting live nonces).
/// - **Failures.** An error reply, a timeout, or no connection is `.unavailable` (503
///   `replay_store_unavailable`), counted in `gateway_replay_store_unavailable_total`: nothing is
///   allowed on a guess (SPEC §9 "Redis unavailable").
///
/// The answers are `.pending` futures on the caller's event loop; they never fail.
public final class RedisNonceStore: NonceStore {
    public let client: RedisClient
    private let metrics: GatewayMetrics?
    private let keyPrefix: String

    /// - Parameters:
    ///   - keyPrefix: before `<scope>:<value>`; `gw:nonce:` unless several gateways with different
    ///     rules share one Redis database.
    public init(client: RedisClient, metrics: GatewayMetrics? = nil, keyPrefix: String = "gw:nonce:") {
        self.client = client
        self.metrics = metrics
        self.keyPrefix = keyPrefix
    }

    /// `gw:nonce:<scope>:<value>`.
    public func redisKey(_ key: NonceKey) -> String {
        self.keyPrefix + key.scope + ":" + key.value
    }

    /// Milliseconds from `now` to the end of the second `expiresAt` (at least 1).
    static func milliseconds(until expiresAt: Int64, now: Int64) -> Int64 {
        let (seconds, overflow) = expiresAt.subtractingReportingOverflow(now)
        guard !overflow, seconds >= 0 else { return 1 }
        return min(seconds, Int64.max / 1000 - 1) * 1000 + 1000
    }

    public func claim(_ key: NonceKey, expiresAt: Int64, now: Int64, on eventLoop: any EventLoop) -> ReplayClaim {
        let command = RedisCommand(
            "SET",
            [RedisArgument(self.redisKey(key)), "1", "NX", "PX", RedisArgument(Self.milliseconds(until: expiresAt, now: now))]
        )
        let metrics = self.metrics
        return .pending(
            self.client.send(command, on: eventLoop).map { reply -> ReplayOutcome in
                switch reply {
                case .simpleString("OK"): return .fresh
                case .bulkString(nil): return .replayed
                default:
                    metrics?.recordReplayStoreUnavailable()
                    return .unavailable
                }
            }.recover { _ in
                metrics?.recordReplayStoreUnavailable()
                return .unavailable
            }
        )
    }

    /// `EXISTS key`: 1 present, 0 absent.
    public func contains(_ key: NonceKey, now: Int64, on eventLoop: any EventLoop) -> ReplayLookup {
        let metrics = self.metrics
        return .pending(
            self.client.send(RedisCommand("EXISTS", [RedisArgument(self.redisKey(key))]), on: eventLoop).map {
                reply -> ReplayPresence in
                switch reply {
                case .integer(1): return .present
                case .integer(0): return .absent
                default:
                    metrics?.recordReplayStoreUnavailable()
                    return .unavailable
                }
            }.recover { _ in
                metrics?.recordReplayStoreUnavailable()
                return .unavailable
            }
        )
    }

    /// `SET key 1 NX PX <ms>`, and when the key was already there, `PEXPIRE key <ms> GT` (Redis
    /// 7) so that it keeps the later of the two expiries. `.fresh` once recorded; the store is
    /// never `.full` (Redis's `maxmemory` bounds it).
    public func record(_ key: NonceKey, expiresAt: Int64, now: Int64, on eventLoop: any EventLoop) -> ReplayClaim {
        let redisKey = RedisArgument(self.redisKey(key))
        let milliseconds = RedisArgument(Self.milliseconds(until: expiresAt, now: now))
        let client = self.client
        let metrics = self.metrics
        let set = RedisCommand("SET", [redisKey, "1", "NX", "PX", milliseconds])
        return .pending(
            client.send(set, on: eventLoop).flatMap { reply -> EventLoopFuture<ReplayOutcome> in
                switch reply {
                case .simpleString("OK"):
                    return eventLoop.makeSucceededFuture(.fresh)
                case .bulkString(nil):
                    // Recorded already; an older server without `GT` refuses the option, and the
                    // key is recorded all the same.
                    let extend = RedisCommand("PEXPIRE", [redisKey, milliseconds, "GT"])
                    return client.send(extend, on: eventLoop).map { _ in .fresh }.recover { error in
                        if let error = error as? RedisError, error.isServerReply { return .fresh }
                        metrics?.recordReplayStoreUnavailable()
                        return .unavailable
                    }
                default:
                    metrics?.recordReplayStoreUnavailable()
                    return eventLoop.makeSucceededFuture(.unavailable)
                }
            }.recover { _ in
                metrics?.recordReplayStoreUnavailable()
                return .unavailable
            }
        )
    }
}
