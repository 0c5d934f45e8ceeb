import GatewayRules
import GatewayTestSupport
import Testing

@testable import GatewayLimits

/// `GCRA` and `RateLimit`: the calculation on a clock of plain numbers, against a token bucket
/// written the obvious way.
@Suite struct GCRATests {
    static let second: Int64 = 1_000_000_000

    @Test func limitsFromTheRulesFile() {
        let perSecond = RateLimit(RateLimitRule(count: 100, period: .seconds(1), burst: 20))
        #expect(perSecond.intervalNanoseconds == 10_000_000)
        #expect(perSecond.burst == 20)
        #expect(perSecond.toleranceNanoseconds == 200_000_000)
        let perMinute = RateLimit(RateLimitRule(count: 600, period: .seconds(60)))
        #expect(perMinute.intervalNanoseconds == 100_000_000)
        #expect(perMinute.burst == 600)  // SPEC §9: burst defaults to the count
        let perHour = RateLimit(count: 7, period: .seconds(3600))
        #expect(perHour.intervalNanoseconds == 514_285_714_286)
        #expect(RateLimit(count: 3, period: .seconds(1)).intervalNanoseconds == 333_333_333)
        #expect(RateLimit(count: 2_000_000_000, period: .seconds(1)).intervalNanoseconds == 1)
    }

    /// A fresh bucket admits `burst` at once, then refuses; the refusal says when to retry.
    @Test func aBurstThenARefusal() {
        let limit = RateLimit(count: 10, period: .seconds(1), burst: 3)
        var tat: Int64? = nil
        let now: Int64 = 1_000 * Self.second
        var remaining: [Int] = []
        for _ in 0..<3 {
            let (decision, newTAT) = GCRA.evaluate(tat: tat, now: now, limit: limit)
            #expect(decision.isAllowed)
            #expect(decision.limit == 3)
            #expect(decision.retryAfterNanoseconds == 0)
            remaining.append(decision.remaining)
            tat = newTAT
        }
        #expect(remaining == [2, 1, 0])
        let (refused, unchanged) = GCRA.evaluate(tat: tat, now: now, limit: limit)
        #expect(!refused.isAllowed)
        #expect(unchanged == nil)
        #expect(refused.remaining == 0)
        #expect(refused.retryAfterNanoseconds == 100_000_000)  // one interval
        #expect(refused.resetNanoseconds == 300_000_000)  // three intervals to be full again
        #expect(refused.retryAfterSeconds == 1)
        #expect(refused.resetSeconds == 1)
        // A refused request takes nothing: right after the interval, one more is allowed.
        let (later, _) = GCRA.evaluate(tat: tat, now: now + 100_000_000, limit: limit)
        #expect(later.isAllowed)
        #expect(later.remaining == 0)
        let (tooSoon, _) = GCRA.evaluate(tat: tat, now: now + 99_999_999, limit: limit)
        #expect(!tooSoon.isAllowed)
        #expect(tooSoon.retryAfterNanoseconds == 1)
        #expect(tooSoon.retryAfterSeconds == 1)
    }

    /// A bucket refills one token per interval and never holds more than `burst`.
    @Test func refillIsCappedAtTheBurst() {
        let limit = RateLimit(count: 60, period: .seconds(60), burst: 5)
        var tat: Int64? = nil
        var now: Int64 = 0
        for _ in 0..<5 { tat = GCRA.evaluate(tat: tat, now: now, limit: limit).newTAT }
        #expect(!GCRA.evaluate(tat: tat, now: now, limit: limit).decision.isAllowed)
        now += 2 * Self.second
        let two = GCRA.evaluate(tat: tat, now: now, limit: limit)
        #expect(two.decision.isAllowed && two.decision.remaining == 1)
        // An hour later the bucket is full: five, not 3 600.
        now += 3_600 * Self.second
        var allowed = 0
        for _ in 0..<10 {
            let (decision, newTAT) = GCRA.evaluate(tat: tat, now: now, limit: limit)
            if decision.isAllowed { allowed += 1 }
            tat = newTAT ?? tat
        }
        #expect(allowed == 5)
    }

    /// Over random arrivals (fixed seed), GCRA decides exactly as a token bucket that keeps a
    /// credit in nanoseconds: credit = min(burst × T, credit + elapsed); allow when credit ≥ T.
    @Test(arguments: [(5, 1, 5), (100, 1, 20), (600, 60, 10), (7, 3600, 2), (1, 1, 1)])
    func decidesAsATokenBucket(count: Int, periodSeconds: Int, burst: Int) {
        let limit = RateLimit(count: count, period: .seconds(periodSeconds), burst: burst)
        let interval = limit.intervalNanoseconds
        var random = SplitMix64(seed: UInt64(count * 31 + burst))
        var tat: Int64? = nil
        var credit = limit.toleranceNanoseconds
        var last: Int64 = 0
        var now: Int64 = 0
        var allowedCount = 0
        for step in 0..<20_000 {
            now += Int64(random.next() % UInt64(2 * interval / Int64(max(1, burst)) + 1))
            credit = min(limit.toleranceNanoseconds, credit + (now - last))
            last = now
            let expected = credit >= interval
            if expected { credit -= interval }
            let (decision, newTAT) = GCRA.evaluate(tat: tat, now: now, limit: limit)
            #expect(decision.isAllowed == expected, "step \(step)")
            if decision.isAllowed {
                allowedCount += 1
                #expect(decision.remaining == Int(credit / interval), "step \(step)")
            }
            tat = newTAT ?? tat
        }
        #expect(allowedCount > 0 && allowedCount < 20_000)
    }

    @Test func headerFields() {
        let limit = RateLimit(count: 2, period: .seconds(1), burst: 2)
        let allowed = GCRA.evaluate(tat: nil, now: 0, limit: limit).decision
        #expect(allowed.headerFields.map(\.name) == ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"])
        #expect(allowed.headerFields.map(\.value) == ["2", "1", "1"])
        let refused = GCRA.evaluate(tat: Self.second, now: 0, limit: limit).decision
        #expect(!refused.isAllowed)
        #expect(refused.headerFields.map(\.name) == ["Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"])
        #expect(refused.headerFields.map(\.value) == ["1", "2", "0", "1"])
        #expect(refused.source == .local)
    }
}
