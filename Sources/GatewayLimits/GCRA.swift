/// The generic cell rate algorithm, "virtual scheduling" form (ITU-T I.371 Annex A; the same
/// decisions as a token bucket of `burst` tokens refilled one per `interval`, from a single
/// timestamp per bucket instead of a count and a time).
///
/// A bucket is its theoretical arrival time (TAT): when it would be full again. A request at
/// `now` is allowed when `max(TAT, now) + T − τ <= now` (T the emission interval, τ = T × burst),
/// and then moves TAT to `max(TAT, now) + T`. A bucket whose TAT is not after `now` is full and
/// can be forgotten: it decides exactly as a bucket never seen.
///
/// Pure: the clock is the caller's. The Redis limiter runs the same steps in Lua, on the server's
/// clock (`RedisRateLimiter`).
public enum GCRA {
    /// One request against a bucket whose TAT is `tat` (nil: never seen or forgotten).
    ///
    /// - Returns: the decision, and the bucket's new TAT when the request is allowed (nil when it
    ///   is refused: a refused request takes nothing).
    public static func evaluate(
        tat storedTAT: Int64?,
        now: Int64,
        limit: RateLimit,
        source: RateLimitDecision.Source = .local
    ) -> (decision: RateLimitDecision, newTAT: Int64?) {
        let tat = max(storedTAT ?? now, now)
        let (newTAT, overflow) = tat.addingReportingOverflow(limit.intervalNanoseconds)
        let allowAt = (overflow ? Int64.max : newTAT) &- limit.toleranceNanoseconds
        if allowAt > now {
            let decision = RateLimitDecision(
                isAllowed: false,
                limit: limit.burst,
                remaining: 0,
                retryAfterNanoseconds: allowAt - now,
                resetNanoseconds: tat - now,
                source: source
            )
            return (decision, nil)
        }
        let ahead = newTAT - now
        let decision = RateLimitDecision(
            isAllowed: true,
            limit: limit.burst,
            remaining: Int((limit.toleranceNanoseconds - ahead) / limit.intervalNanoseconds),
            retryAfterNanoseconds: 0,
            resetNanoseconds: ahead,
            source: source
        )
        return (decision, newTAT)
    }
}
