import Dispatch
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import GatewayLimits

/// The memory limiter: buckets per route and client on an injected clock, shared by threads, and
/// its fixed bound.
@Suite struct MemoryRateLimiterTests {
    /// A clock moved by hand.
    final class ManualClock: Sendable {
        let value = Atomic<Int64>(1_000_000_000_000)

        var clock: RateLimitClock { RateLimitClock { self.value.load(ordering: .relaxed) } }

        func advance(seconds: Double) {
            self.value.add(Int64(seconds * 1_000_000_000), ordering: .relaxed)
        }
    }

    static let key = RateLimitKey.credential(route: "orders", credential: "api_key:partner-acme")

    @Test func admitsTheBurstThenRefusesUntilItRefills() {
        let time = ManualClock()
        let limiter = MemoryRateLimiter(capacity: 1_024, clock: time.clock)
        let limit = RateLimit(count: 10, period: .seconds(1), burst: 5)
        let decisions = (0..<8).map { _ in limiter.acquireNow(Self.key, limit: limit) }
        #expect(decisions.map(\.isAllowed) == [true, true, true, true, true, false, false, false])
        #expect(decisions[4].remaining == 0)
        #expect(decisions[5].retryAfterNanoseconds == 100_000_000)
        #expect(decisions[5].source == .local)
        time.advance(seconds: 0.1)
        #expect(limiter.acquireNow(Self.key, limit: limit).isAllowed)
        #expect(!limiter.acquireNow(Self.key, limit: limit).isAllowed)
    }

    /// SPEC §9: one bucket per route and credential id (per client address on public routes).
    @Test func bucketsAreSeparatePerRouteAndClient() {
        let time = ManualClock()
        let limiter = MemoryRateLimiter(capacity: 1_024, clock: time.clock)
        let limit = RateLimit(count: 1, period: .seconds(60))
        #expect(limiter.acquireNow(Self.key, limit: limit).isAllowed)
        #expect(!limiter.acquireNow(Self.key, limit: limit).isAllowed)
        #expect(limiter.acquireNow(.credential(route: "orders", credential: "api_key:other"), limit: limit).isAllowed)
        #expect(limiter.acquireNow(.credential(route: "billing", credential: "api_key:partner-acme"), limit: limit).isAllowed)
        #expect(limiter.acquireNow(.address(route: "orders", address: "203.0.113.7"), limit: limit).isAllowed)
        #expect(!limiter.acquireNow(.address(route: "orders", address: "203.0.113.7"), limit: limit).isAllowed)
        #expect(RateLimitKey.address(route: "r", address: "::1").client == "ip:::1")
    }

    /// 16 threads on one bucket at one instant: exactly `burst` requests pass.
    @Test func threadsShareOneBudget() {
        let time = ManualClock()
        let limiter = MemoryRateLimiter(capacity: 1_024, shards: 4, clock: time.clock)
        let limit = RateLimit(count: 100, period: .seconds(60), burst: 100)
        let allowed = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            for _ in 0..<50 where limiter.acquireNow(Self.key, limit: limit).isAllowed {
                allowed.add(1, ordering: .relaxed)
            }
        }
        #expect(allowed.load(ordering: .relaxed) == 100)
    }

    /// The bound: memory is fixed; idle (full) buckets are reused without loss; only more active
    /// clients than there is room for make a bucket be forgotten — the one closest to full — and
    /// no new client is ever refused for it.
    @Test func memoryIsBoundedAndTheBoundLoosensRatherThanRefuses() {
        let time = ManualClock()
        // One shard of one set: room for 8 buckets.
        let limiter = MemoryRateLimiter(capacity: 8, shards: 1, clock: time.clock)
        #expect(limiter.capacity == 8)
        let limit = RateLimit(count: 1, period: .seconds(60), burst: 1)
        for client in 0..<8 {
            #expect(limiter.acquireNow(.address(route: "public", address: "198.51.100.\(client)"), limit: limit).isAllowed)
        }
        #expect(limiter.liveBucketCount == 8)
        #expect(limiter.evictions == 0)
        // A ninth active client is admitted, and one bucket is forgotten to hold it.
        #expect(limiter.acquireNow(.address(route: "public", address: "198.51.100.200"), limit: limit).isAllowed)
        #expect(limiter.evictions == 1)
        #expect(limiter.liveBucketCount == 8)
        #expect(limiter.capacity == 8)
        // A minute later every bucket is full again: new clients reuse them with nothing lost.
        time.advance(seconds: 60)
        #expect(limiter.liveBucketCount == 0)
        for client in 0..<8 {
            #expect(limiter.acquireNow(.address(route: "public", address: "192.0.2.\(client)"), limit: limit).isAllowed)
        }
        #expect(limiter.evictions == 1)
        // A hostile flood of new addresses never grows the tables and never refuses a newcomer.
        for client in 0..<10_000 {
            #expect(limiter.acquireNow(.address(route: "public", address: "2001:db8::\(client)"), limit: limit).isAllowed)
        }
        #expect(limiter.capacity == 8)
        #expect(limiter.liveBucketCount == 8)
    }

    /// The evicted bucket is the one closest to full: the most drained clients keep their state.
    @Test func theBucketClosestToFullIsTheOneForgotten() {
        let time = ManualClock()
        let limiter = MemoryRateLimiter(capacity: 8, shards: 1, clock: time.clock)
        let limit = RateLimit(count: 1, period: .seconds(10), burst: 1)
        // Client 0 first; then 1…7 a second later each: client 0's bucket is the closest to full.
        for client in 0..<8 {
            #expect(limiter.acquireNow(.address(route: "r", address: "c\(client)"), limit: limit).isAllowed)
            time.advance(seconds: 1)
        }
        #expect(limiter.acquireNow(.address(route: "r", address: "newcomer"), limit: limit).isAllowed)
        #expect(limiter.evictions == 1)
        // Client 0 was forgotten (allowed again early); client 7 was not.
        #expect(limiter.acquireNow(.address(route: "r", address: "c0"), limit: limit).isAllowed)
        #expect(!limiter.acquireNow(.address(route: "r", address: "c7"), limit: limit).isAllowed)
    }

    @Test func decidesAtOnceThroughTheProtocol() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let limiter: any RateLimiter = MemoryRateLimiter(capacity: 64, source: .localFallback)
        guard case .decided(let decision) = limiter.acquire(Self.key, limit: RateLimit(count: 1, period: .seconds(1)), on: group.next()) else {
            Issue.record("the memory limiter decides at once")
            return
        }
        #expect(decision.isAllowed)
        #expect(decision.source == .localFallback)
    }
}
