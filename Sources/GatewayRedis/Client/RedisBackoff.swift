public import NIOCore

/// How long to wait before reconnecting after a failed attempt: exponential, capped, with
/// jitter so that the replicas' many connections do not all come back in the same instant
/// (the "exponential backoff with jitter" of AWS's architecture blog, 2015, in its "equal jitter"
/// form: half fixed, half random, so the wait never collapses to zero).
public struct RedisBackoff: Sendable, Hashable {
    /// The wait after the first failure.
    public var initial: TimeAmount
    /// The longest wait, however many attempts failed.
    public var maximum: TimeAmount

    public init(initial: TimeAmount = .milliseconds(50), maximum: TimeAmount = .seconds(2)) {
        precondition(initial.nanoseconds > 0 && maximum >= initial)
        self.initial = initial
        self.maximum = maximum
    }

    /// The wait after `failures` consecutive failed attempts (1 for the first), with `random`
    /// in 0..<1 choosing the jitter: between half the exponential step and the whole of it.
    public func delay(afterFailures failures: Int, random: Double) -> TimeAmount {
        let exponent = min(max(failures, 1) - 1, 30)
        let (scaled, overflow) = self.initial.nanoseconds.multipliedReportingOverflow(by: Int64(1) << exponent)
        let step = overflow ? self.maximum.nanoseconds : min(scaled, self.maximum.nanoseconds)
        let half = step / 2
        return .nanoseconds(half + Int64(Double(step - half) * min(max(random, 0), 1)))
    }
}
