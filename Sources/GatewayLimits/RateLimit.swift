public import GatewayRules

/// A route's limit as the calculation uses it: a sustained rate and a burst (SPEC §2:
/// `rate_limit = "100/s"`, `burst`).
///
/// As a token bucket: the bucket holds `burst` tokens, one request takes one, and a token comes
/// back every `interval` (`period / count`). `GCRA` computes the same thing from one timestamp.
public struct RateLimit: Sendable, Hashable {
    /// Requests per `period`.
    public let count: Int
    public let periodNanoseconds: Int64
    /// The bucket's size: requests that may arrive at once after a quiet spell.
    public let burst: Int
    /// T, the emission interval: nanoseconds between two requests at the sustained rate (at
    /// least 1).
    public let intervalNanoseconds: Int64
    /// τ = T × burst: how far ahead of now a bucket's theoretical arrival time may run; the time a
    /// drained bucket takes to fill again.
    public let toleranceNanoseconds: Int64

    /// - Parameters:
    ///   - count: requests per `period`, at least 1.
    ///   - burst: at least 1; nil for `count` (SPEC §9 "Rate limits").
    public init(count: Int, period: Duration, burst: Int? = nil) {
        precondition(count >= 1, "a rate limit allows at least one request per period")
        let burst = max(1, burst ?? count)
        let period = period.components
        let nanoseconds = period.seconds.multipliedReportingOverflow(by: 1_000_000_000)
        self.count = count
        self.periodNanoseconds = nanoseconds.overflow ? .max : nanoseconds.partialValue + period.attoseconds / 1_000_000_000
        self.burst = burst
        // Rounded to the nearest nanosecond: "7/s" is 142 857 143 ns apart, 1 ns per period off.
        self.intervalNanoseconds = max(1, (self.periodNanoseconds + Int64(count) / 2) / Int64(count))
        let tolerance = self.intervalNanoseconds.multipliedReportingOverflow(by: Int64(burst))
        self.toleranceNanoseconds = tolerance.overflow ? .max / 2 : tolerance.partialValue
    }

    /// A route's `rate_limit` and `burst`.
    public init(_ rule: RateLimitRule) {
        self.init(count: rule.count, period: rule.period, burst: rule.burst)
    }
}
