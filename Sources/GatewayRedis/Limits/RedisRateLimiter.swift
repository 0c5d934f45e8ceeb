public import GatewayLimits
public import GatewayMetrics
public import Logging
public import NIOCore
import Synchronization

/// Rate limits shared by every replica: the buckets live in Redis (SPEC §9 "Rate limits": "with
/// a Redis store the buckets live in Redis and replicas share them").
///
/// - **One round trip.** Each request runs `RateLimitScript` with `EVALSHA` — one atomic step on
///   the server, in the server's time. The script is named by its SHA-1; when the server does not
///   hold it (`NOSCRIPT`: it restarted, or `SCRIPT FLUSH` ran) the limiter sends `SCRIPT LOAD` and
///   the `EVALSHA` again, once.
/// - **Keys.** `gw:rl:<route>:<client>` (`RateLimitKey`): the route's name and the credential id
///   or client address, the same on every replica.
/// - **Redis down.** When Redis does not answer (no connection, a timeout, an error reply), the
///   request is decided on this process's own buckets (`fallback`), counted in
///   `gateway_rate_limit_local_fallback_total`, and a warning is logged once per outage (and a
///   notice when Redis answers again) — never once per request. Meanwhile each replica enforces
///   the limit on its own, so the replicas together may admit up to N times the limit.
///
/// The answers are `.pending` futures on the caller's event loop; they never fail.
public final class RedisRateLimiter: RateLimiter {
    public let client: RedisClient
    /// The local buckets used while Redis does not answer.
    public let fallback: MemoryRateLimiter
    private let metrics: GatewayMetrics?
    private let logger: Logger
    private let keyPrefix: String
    /// Whether the last decision fell back (so the warning is logged once per outage).
    private let degraded = Atomic<Bool>(false)

    /// - Parameters:
    ///   - fallback: the local buckets for when Redis does not answer; by default a
    ///     `MemoryRateLimiter` whose decisions say `.localFallback`.
    ///   - keyPrefix: before `<route>:<client>`.
    public init(
        client: RedisClient,
        fallback: MemoryRateLimiter = MemoryRateLimiter(source: .localFallback),
        metrics: GatewayMetrics? = nil,
        logger: Logger,
        keyPrefix: String = "gw:rl:"
    ) {
        self.client = client
        self.fallback = fallback
        self.metrics = metrics
        self.logger = logger
        self.keyPrefix = keyPrefix
    }

    /// `gw:rl:<route>:<client>`.
    public func redisKey(_ key: RateLimitKey) -> String {
        self.keyPrefix + key.route + ":" + key.client
    }

    public func acquire(_ key: RateLimitKey, limit: RateLimit, on eventLoop: any EventLoop) -> RateLimitAnswer {
        let arguments: [RedisArgument] = [
            RedisArgument(RateLimitScript.sha1), 1, RedisArgument(self.redisKey(key)),
            RedisArgument(String(Double(limit.intervalNanoseconds) / 1000)), RedisArgument(limit.burst),
        ]
        let evalsha = RedisCommand("EVALSHA", arguments)
        let client = self.client
        let future = client.send(evalsha, on: eventLoop).flatMapError { error in
            // The server lost the script: load it and ask again, once.
            guard let error = error as? RedisError, error.isNoScript else {
                return eventLoop.makeFailedFuture(error)
            }
            return client.send(RedisCommand("SCRIPT", ["LOAD", RedisArgument(RateLimitScript.source)]), on: eventLoop)
                .flatMap { _ in client.send(evalsha, on: eventLoop) }
        }
        .flatMapThrowing { reply in
            try Self.decision(reply, limit: limit)
        }
        .map { decision in
            self.recovered()
            return decision
        }
        .recover { error in
            self.fellBack(error)
            return self.fallback.acquireNow(key, limit: limit)
        }
        return .pending(future)
    }

    /// The script's `{allowed, remaining, retry_after_us, reset_us}`.
    static func decision(_ reply: RESPValue, limit: RateLimit) throws -> RateLimitDecision {
        guard case .array(let elements?) = reply, elements.count == 4,
            let allowed = elements[0].integer, let remaining = elements[1].integer,
            let retryAfter = elements[2].integer, let reset = elements[3].integer
        else {
            throw RedisError.protocolViolation("the rate-limit script answered an unexpected value")
        }
        return RateLimitDecision(
            isAllowed: allowed == 1,
            limit: limit.burst,
            remaining: Int(clamping: max(0, remaining)),
            retryAfterNanoseconds: max(0, retryAfter).multipliedReportingOverflow(by: 1000).partialValue,
            resetNanoseconds: max(0, reset).multipliedReportingOverflow(by: 1000).partialValue,
            source: .shared
        )
    }

    private func fellBack(_ error: any Error) {
        self.metrics?.recordRateLimitFallback()
        if !self.degraded.exchange(true, ordering: .relaxed) {
            self.logger.warning(
                "rate limits: Redis does not answer; deciding on this replica's own buckets until it does",
                metadata: ["redis": "\(self.client.configuration.displayAddress)", "reason": "\(error)"]
            )
        }
    }

    private func recovered() {
        if self.degraded.load(ordering: .relaxed), self.degraded.exchange(false, ordering: .relaxed) {
            self.logger.notice(
                "rate limits: Redis answers again; buckets are shared again",
                metadata: ["redis": "\(self.client.configuration.displayAddress)"]
            )
        }
    }
}
