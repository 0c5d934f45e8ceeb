/// What the limiter decided for one request, with what the response says about it: a 429
/// `rate_limited` carries `Retry-After` (RFC 9110 §10.2.3) and the `RateLimit-Limit`,
/// `RateLimit-Remaining` and `RateLimit-Reset` fields (IETF draft-ietf-httpapi-ratelimit-headers,
/// the revisions up to -06 that define those three fields; SPEC §3); an allowed response may
/// carry the three fields too.
public struct RateLimitDecision: Sendable, Hashable {
    /// Which buckets decided.
    public enum Source: Sendable, Hashable {
        /// The process's own buckets (no shared store configured).
        case local
        /// The buckets in Redis, shared by every replica.
        case shared
        /// The process's own buckets because Redis did not answer (SPEC §9 "Redis unavailable").
        case localFallback
    }

    public var isAllowed: Bool
    /// `RateLimit-Limit`: the bucket's size (`burst`).
    public var limit: Int
    /// `RateLimit-Remaining`: requests that would be allowed right after this one.
    public var remaining: Int
    /// How long until one request would be allowed: 0 when allowed.
    public var retryAfterNanoseconds: Int64
    /// How long until the bucket is full again (`RateLimit-Reset`).
    public var resetNanoseconds: Int64
    public var source: Source

    public init(
        isAllowed: Bool,
        limit: Int,
        remaining: Int,
        retryAfterNanoseconds: Int64,
        resetNanoseconds: Int64,
        source: Source
    ) {
        self.isAllowed = isAllowed
        self.limit = limit
        self.remaining = remaining
        self.retryAfterNanoseconds = retryAfterNanoseconds
        self.resetNanoseconds = resetNanoseconds
        self.source = source
    }

    /// `Retry-After` in whole seconds, rounded up (a client retrying then is allowed): at least
    /// 1 for a refusal, 0 when allowed.
    public var retryAfterSeconds: Int {
        self.isAllowed ? 0 : max(1, Self.secondsRoundedUp(self.retryAfterNanoseconds))
    }

    /// `RateLimit-Reset` in whole seconds, rounded up.
    public var resetSeconds: Int {
        Self.secondsRoundedUp(self.resetNanoseconds)
    }

    /// The response's fields: `Retry-After` on a refusal, then `RateLimit-Limit`,
    /// `RateLimit-Remaining` and `RateLimit-Reset`.
    public var headerFields: [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = []
        fields.reserveCapacity(4)
        if !self.isAllowed { fields.append(("Retry-After", String(self.retryAfterSeconds))) }
        fields.append(("RateLimit-Limit", String(self.limit)))
        fields.append(("RateLimit-Remaining", String(self.remaining)))
        fields.append(("RateLimit-Reset", String(self.resetSeconds)))
        return fields
    }

    private static func secondsRoundedUp(_ nanoseconds: Int64) -> Int {
        guard nanoseconds > 0 else { return 0 }
        return Int(nanoseconds / 1_000_000_000 + (nanoseconds % 1_000_000_000 == 0 ? 0 : 1))
    }
}
