import NIOCore

/// Where the memory limiter reads the time: monotonic nanoseconds. Injected, so tests move time
/// by hand.
public struct RateLimitClock: Sendable {
    public let nanoseconds: @Sendable () -> Int64

    public init(nanoseconds: @escaping @Sendable () -> Int64) {
        self.nanoseconds = nanoseconds
    }

    /// The system's monotonic clock (`NIODeadline.now()`, CLOCK_MONOTONIC on Linux).
    public static let monotonic = RateLimitClock { Int64(truncatingIfNeeded: NIODeadline.now().uptimeNanoseconds) }
}
