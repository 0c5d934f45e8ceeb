public import NIOCore
import Synchronization

/// The in-process rate limiter: a bucket per route and client (`RateLimitKey`), shared by every
/// event loop of the process, decided at once (SPEC §9 "Rate limits": in memory by default).
///
/// - **Shards.** A power of two of them, by default twice the core count and at least 16, each a
///   `Mutex` over a fixed `BucketTable`; a key's shard and set come from a keyed 64-bit digest
///   of its route and client (the standard library's `Hasher`, seeded per process, so no one can
///   aim two keys at one bucket).
/// - **Memory.** Fixed at start: `capacity` buckets of 16 bytes (4 MiB for the default 262 144),
///   however many clients come. Idle buckets — full again — are reused in place; at the bound,
///   a new client's bucket replaces, within its set of 8, the bucket closest to full, so a flood
///   of new client addresses can loosen other clients' limits (each forgotten bucket gives its
///   client up to `burst` extra requests) but never refuse anyone, nor grow memory.
///   `evictions` counts those replacements.
/// - **Clock.** Monotonic nanoseconds from `clock` (injected for tests).
public final class MemoryRateLimiter: RateLimiter, Sendable {
    /// Padded so that two shards' locks do not share a cache line.
    private final class Shard: Sendable {
        let table: Mutex<BucketTable>
        private let padding: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)

        init(capacity: Int) {
            self.table = Mutex(BucketTable(capacity: capacity))
        }
    }

    public static let defaultCapacity = 1 << 18

    private let shards: [Shard]
    private let shardMask: UInt64
    private let clock: RateLimitClock
    private let source: RateLimitDecision.Source

    /// - Parameters:
    ///   - capacity: buckets held at most (rounded up to whole sets of 8 per shard).
    ///   - shards: rounded up to a power of two; nil for twice the core count, at least 16.
    ///   - source: what its decisions say decided them (`.localFallback` for the Redis limiter's
    ///     fallback buckets).
    public init(
        capacity: Int = MemoryRateLimiter.defaultCapacity,
        shards: Int? = nil,
        clock: RateLimitClock = .monotonic,
        source: RateLimitDecision.Source = .local
    ) {
        precondition(capacity > 0)
        var count = max(1, shards ?? max(16, 2 * System.coreCount))
        count = 1 << (Int.bitWidth - (count - 1).leadingZeroBitCount)
        self.shards = (0..<count).map { _ in Shard(capacity: (capacity + count - 1) / count) }
        self.shardMask = UInt64(count - 1)
        self.clock = clock
        self.source = source
    }

    /// Buckets the tables can hold.
    public var capacity: Int {
        self.shards.reduce(0) { $0 + $1.table.withLock { $0.slotCount } }
    }

    /// Buckets still filling (the others are as good as forgotten); walks every table.
    public var liveBucketCount: Int {
        let now = self.clock.nanoseconds()
        return self.shards.reduce(0) { $0 + $1.table.withLock { $0.liveCount(now: now) } }
    }

    /// Buckets forgotten while still filling because their set was full (see the type's notes).
    public var evictions: Int {
        self.shards.reduce(0) { $0 + $1.table.withLock { $0.evictions } }
    }

    /// One request against `key`'s bucket, decided now.
    public func acquireNow(_ key: RateLimitKey, limit: RateLimit) -> RateLimitDecision {
        var hasher = Hasher()
        hasher.combine(key.route)
        hasher.combine(key.client)
        let digest = UInt64(bitPattern: Int64(hasher.finalize()))
        // 0 marks an empty slot; the low bits choose the shard, the high bits (via a multiply) the set.
        let slotKey = digest == 0 ? 1 : digest
        let shard = self.shards[Int(truncatingIfNeeded: digest & self.shardMask)]
        let now = self.clock.nanoseconds()
        let source = self.source
        return shard.table.withLock { table in
            table.acquire(key: slotKey, now: now, limit: limit, source: source)
        }
    }

    public func acquire(_ key: RateLimitKey, limit: RateLimit, on eventLoop: any EventLoop) -> RateLimitAnswer {
        .decided(self.acquireNow(key, limit: limit))
    }
}
