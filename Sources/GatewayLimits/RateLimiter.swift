public import NIOCore

/// Takes one request from a bucket, or refuses it (SPEC §9 step 10, after every other check
/// passed). One limiter per process, shared by every event loop; it survives rule reloads (a
/// bucket is its route's name and client, so a reload that keeps a route keeps its buckets).
///
/// Like `NonceStore`, it answers at once or later: the memory limiter decides under a lock and
/// returns `.decided`; the Redis limiter returns `.pending` with a future on the caller's loop.
public protocol RateLimiter: Sendable {
    /// One request against `key`'s bucket under `limit`. Call on `eventLoop`.
    func acquire(_ key: RateLimitKey, limit: RateLimit, on eventLoop: any EventLoop) -> RateLimitAnswer
}

/// A `RateLimiter` answer: now, or on an event loop later.
public enum RateLimitAnswer: Sendable {
    case decided(RateLimitDecision)
    /// Completes on the `eventLoop` given to `acquire`, and never fails: a limiter that cannot
    /// reach its shared store decides on local buckets instead (`source` says so).
    case pending(EventLoopFuture<RateLimitDecision>)
}
