import Synchronization

/// One event loop's part of one histogram series (`DurationHistogramFamily`): a count per
/// bucket — not cumulative, so an observation adds to one — and the sum, each an atomic written
/// with relaxed order by its loop alone and read by the scrape.
public final class DurationHistogramShard: Sendable {
    /// Buckets a shard can hold, the overflow bucket (`+Inf`) included.
    static let capacity = 17

    /// A histogram's upper bounds in nanoseconds, ascending; at most `capacity - 1`.
    struct Bounds: Sendable {
        let nanoseconds: [Int64]
        var count: Int { self.nanoseconds.count }

        init(_ buckets: [Duration]) {
            precondition(buckets.count < DurationHistogramShard.capacity, "too many buckets")
            self.nanoseconds = buckets.map { Int64($0.components.seconds) * 1_000_000_000 + $0.components.attoseconds / 1_000_000_000 }
            precondition(zip(self.nanoseconds, self.nanoseconds.dropFirst()).allSatisfy(<), "bounds must ascend")
        }
    }

    /// What a set of shards held when read.
    struct Snapshot {
        /// Per bucket, not cumulative; the last one is `+Inf`'s own.
        var counts: [UInt64]
        var count: UInt64 { self.counts.reduce(0, &+) }
        var sumNanoseconds: Int64 = 0

        init(summing shards: [DurationHistogramShard], buckets: Int) {
            self.counts = Array(repeating: 0, count: buckets + 1)
            for shard in shards {
                for index in self.counts.indices {
                    self.counts[index] &+= shard.counts[index].load(ordering: .relaxed)
                }
                self.sumNanoseconds &+= shard.sumNanoseconds.load(ordering: .relaxed)
            }
        }
    }

    private let bounds: [Int64]
    private let counts: InlineArray<17, Atomic<UInt64>>
    private let sumNanoseconds = Atomic<Int64>(0)

    init(bounds: Bounds) {
        self.bounds = bounds.nanoseconds
        self.counts = InlineArray { _ in Atomic<UInt64>(0) }
    }

    /// Counts one observation in the first bucket whose bound is at least `nanoseconds` (the
    /// `le` rule), or in `+Inf`'s.
    public func record(nanoseconds: Int64) {
        var index = 0
        while index < self.bounds.count, nanoseconds > self.bounds[index] { index += 1 }
        self.counts[index].wrappingAdd(1, ordering: .relaxed)
        self.sumNanoseconds.wrappingAdd(nanoseconds, ordering: .relaxed)
    }
}
