import Dispatch
import GatewayTestSupport
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import GatewayReplay

/// `MemoryNonceStore`: replay detection, expiry on an injected clock, the capacity bound, and
/// claims from many threads at once.
@Suite struct MemoryNonceStoreTests {
    static func key(_ value: String, scope: String = "signature:billing-bot") -> NonceKey {
        NonceKey(scope: scope, value: value)
    }

    @Test func aNonceIsFreshOnceThenReplayed() {
        let store = MemoryNonceStore(capacity: 100)
        #expect(store.claimNow(Self.key("n-0001-abcdefghijkl"), expiresAt: 400, now: 100) == .fresh)
        #expect(store.claimNow(Self.key("n-0001-abcdefghijkl"), expiresAt: 400, now: 101) == .replayed)
        #expect(store.claimNow(Self.key("n-0001-abcdefghijkl"), expiresAt: 999, now: 102) == .replayed)
        #expect(store.count == 1)
    }

    /// SPEC §4: a nonce is unique per key id.
    @Test func nonceKeysAreScopedPerKey() {
        let store = MemoryNonceStore(capacity: 100)
        #expect(store.claimNow(.signature(keyID: "billing-bot", nonce: "abc"), expiresAt: 400, now: 100) == .fresh)
        #expect(store.claimNow(.signature(keyID: "other-bot", nonce: "abc"), expiresAt: 400, now: 100) == .fresh)
        #expect(store.claimNow(.jwt(keyID: "billing-bot", jti: "abc"), expiresAt: 400, now: 100) == .fresh)
        #expect(store.claimNow(.signature(keyID: "billing-bot", nonce: "abc"), expiresAt: 400, now: 100) == .replayed)
        // The scope length is hashed too, so the split between scope and value is not ambiguous.
        #expect(
            store.claimNow(NonceKey(scope: "signature:billing-bota", value: "bc"), expiresAt: 400, now: 100) == .fresh
        )
        #expect(NonceKey.signature(keyID: "billing-bot", nonce: "n").scope == "signature:billing-bot")
        #expect(NonceKey.jwt(keyID: "auth-es256", jti: "j").scope == "jwt:auth-es256")
    }

    /// SPEC §9: remembered until its timestamp plus the window, inclusive; forgotten after.
    @Test func aNonceIsForgottenOnlyAfterItsExpiry() {
        let store = MemoryNonceStore(capacity: 10)
        let created: Int64 = 1_000
        let window: Int64 = 300
        #expect(store.claimNow(Self.key("x"), expiresAt: created + window, now: created) == .fresh)
        for now in [created + 1, created + 150, created + window] {
            #expect(store.claimNow(Self.key("x"), expiresAt: now + window, now: now) == .replayed, "at \(now)")
        }
        #expect(
            store.claimNow(Self.key("x"), expiresAt: created + window + 1 + window, now: created + window + 1) == .fresh
        )
        #expect(store.claimNow(Self.key("x"), expiresAt: 0, now: created + window + 2) == .replayed)
        #expect(store.count == 1)
    }

    @Test func aFullStoreOfLiveEntriesRefusesNewNoncesButStillSeesReplays() {
        let store = MemoryNonceStore(capacity: 8, shards: 1)
        for index in 0..<8 {
            #expect(store.claimNow(Self.key("live-\(index)"), expiresAt: 500, now: 100) == .fresh)
        }
        #expect(store.count == 8)
        #expect(store.claimNow(Self.key("new"), expiresAt: 500, now: 200) == .full)
        #expect(store.claimNow(Self.key("new"), expiresAt: 500, now: 500) == .full)
        // SPEC §9: a replayed nonce while the store is full is replayed_nonce.
        #expect(store.claimNow(Self.key("live-3"), expiresAt: 500, now: 200) == .replayed)
        #expect(store.count == 8)
        // Once they expire, room is made (and none was forgotten before).
        #expect(store.claimNow(Self.key("new"), expiresAt: 900, now: 501) == .fresh)
        #expect(store.claimNow(Self.key("live-3"), expiresAt: 900, now: 501) == .fresh)
        #expect(store.count <= 8)
    }

    @Test func anExpiredEntryMakesRoomAmongLiveOnes() {
        let store = MemoryNonceStore(capacity: 4, shards: 1)
        #expect(store.claimNow(Self.key("old"), expiresAt: 150, now: 100) == .fresh)
        for index in 0..<3 {
            #expect(store.claimNow(Self.key("live-\(index)"), expiresAt: 1_000, now: 100) == .fresh)
        }
        #expect(store.claimNow(Self.key("new"), expiresAt: 1_000, now: 150) == .full)
        #expect(store.claimNow(Self.key("new"), expiresAt: 1_000, now: 151) == .fresh)
        for index in 0..<3 {
            #expect(store.claimNow(Self.key("live-\(index)"), expiresAt: 1_000, now: 151) == .replayed)
        }
        #expect(store.claimNow(Self.key("another"), expiresAt: 1_000, now: 151) == .full)
    }

    @Test func purgingDropsOnlyExpiredEntries() {
        let store = MemoryNonceStore(capacity: 1_000, shards: 4)
        for index in 0..<500 {
            _ = store.claimNow(Self.key("k\(index)"), expiresAt: index < 200 ? 10 : 100, now: 0)
        }
        #expect(store.count == 500)
        store.purgeExpired(now: 10)
        #expect(store.count == 500)
        store.purgeExpired(now: 11)
        #expect(store.count == 300)
        for index in 200..<500 {
            #expect(store.claimNow(Self.key("k\(index)"), expiresAt: 100, now: 11) == .replayed)
        }
        #expect(store.entryCount == 300)
    }

    /// Many claims over a moving clock, checked against a plain dictionary: the bound holds, no
    /// live nonce is ever answered `.fresh`, and no unseen or expired one `.replayed`.
    @Test(arguments: [(4_000, 4, 100, 10), (1_000, 4, 50, 30), (64, 1, 7, 20)])
    func capacityHoldsUnderChurn(capacity: Int, shards: Int, perSecond: Int, window: Int64) async throws {
        // 60,000 claims: off the cooperative pool; what goes wrong is collected and asserted here.
        let (faults, outcomes) = try await runOffThePool { () -> ([String], [ReplayOutcome: Int]) in
            let store = MemoryNonceStore(capacity: capacity, shards: shards)
            var reference: [String: Int64] = [:]
            var generator = SplitMix64(seed: UInt64(capacity))
            var outcomes: [ReplayOutcome: Int] = [:]
            var faults: [String] = []
            var now: Int64 = 1_000
            for step in 0..<60_000 {
                if step % perSecond == 0 { now += 1 }
                // Mostly new nonces, some repeats of recent ones, some with timestamps in the past.
                let value = generator.next() % 4 == 0 ? "n\(step - Int(generator.next() % 500))" : "n\(step)"
                let created = now - Int64(generator.next() % UInt64(window))
                let live = reference[value].map { now <= $0 } ?? false
                let outcome = store.claimNow(Self.key(value), expiresAt: created + window, now: now)
                outcomes[outcome, default: 0] += 1
                switch outcome {
                case .fresh:
                    if live { faults.append("a live nonce was forgotten at step \(step)") }
                    reference[value] = created + window
                case .replayed:
                    if !live { faults.append("an unseen or expired nonce was refused at step \(step)") }
                case .full:
                    if live { faults.append("a live nonce was answered full at step \(step)") }
                case .unavailable:
                    faults.append("the memory store is never unavailable (step \(step))")
                }
                if step % 997 == 0, store.count > capacity { faults.append("\(store.count) entries at step \(step)") }
            }
            if store.count > capacity { faults.append("\(store.count) entries at the end") }
            return (faults, outcomes)
        }
        #expect(faults.isEmpty, "\(faults.count) faults, first: \(faults.prefix(3))")
        #expect(outcomes[.fresh, default: 0] > 0)
        #expect(outcomes[.replayed, default: 0] > 0)
        // The smallest store runs full, so dropping expired entries and re-seating the rest is
        // exercised (and checked by the reference above).
        if capacity == 64 { #expect(outcomes[.full, default: 0] > 0) }
    }

    /// 16 threads claim the same nonce at once: exactly one gets `.fresh`.
    @Test func sixteenThreadsClaimingOneNonceGetOneFresh() {
        let store = MemoryNonceStore(capacity: 10_000)
        for round in 0..<200 {
            let fresh = Atomic<Int>(0)
            let replayed = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: 16) { _ in
                switch store.claimNow(Self.key("same-\(round)"), expiresAt: 400, now: 100) {
                case .fresh: fresh.add(1, ordering: .relaxed)
                case .replayed: replayed.add(1, ordering: .relaxed)
                default: break
                }
            }
            #expect(fresh.load(ordering: .relaxed) == 1, "round \(round)")
            #expect(replayed.load(ordering: .relaxed) == 15, "round \(round)")
        }
    }

    /// Threads claiming distinct nonces all succeed, and the total is counted exactly.
    @Test func concurrentDistinctClaimsAreAllRecorded() {
        let store = MemoryNonceStore(capacity: 100_000, shards: 8)
        let fresh = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for index in 0..<5_000 {
                if store.claimNow(Self.key("t\(thread)-\(index)"), expiresAt: 400, now: 100) == .fresh {
                    fresh.add(1, ordering: .relaxed)
                }
            }
        }
        #expect(fresh.load(ordering: .relaxed) == 40_000)
        #expect(store.count == 40_000)
    }

    @Test func shardsArePowersOfTwoAndNeverOutnumberTheCapacity() {
        #expect(MemoryNonceStore(capacity: 1_000, shards: 5).shardCount == 8)
        #expect(MemoryNonceStore(capacity: 1_000, shards: 16).shardCount == 16)
        #expect(MemoryNonceStore(capacity: 4, shards: 16).shardCount == 4)
        #expect(MemoryNonceStore(capacity: 1).shardCount == 1)
        #expect(MemoryNonceStore(capacity: 1_000_000).shardCount >= 16)
        // Every shard's share adds up to the capacity.
        let store = MemoryNonceStore(capacity: 10, shards: 4)
        var recorded = 0
        for index in 0..<1_000 where store.claimNow(Self.key("k\(index)"), expiresAt: 9, now: 0) == .fresh {
            recorded += 1
        }
        #expect(recorded == 10)
        #expect(store.count == 10)
    }

    /// SPEC §9: `replay_store_full` only once `capacity` live entries are held, however the store
    /// is sharded inside — with `capacity = 5` over the default shards, the fifth nonce is still
    /// fresh and only the sixth is refused.
    @Test(arguments: [
        (5, nil), (5, 4), (7, 8), (16, 16), (100, 16), (1_000, 32), (1_000, 4), (3_000, 64),
    ] as [(Int, Int?)])
    func fullOnlyOnceCapacityLiveEntriesAreHeld(capacity: Int, shards: Int?) {
        let store = MemoryNonceStore(capacity: capacity, shards: shards)
        for index in 0..<capacity {
            #expect(store.claimNow(Self.key("nonce-\(index)"), expiresAt: 500, now: 100) == .fresh, "nonce \(index)")
        }
        #expect(store.count == capacity)
        #expect(store.claimNow(Self.key("one-too-many"), expiresAt: 500, now: 100) == .full)
        #expect(store.recordNow(Self.key("revoked"), expiresAt: 500, now: 100) == .full)
        // Every one of them is still refused: none was forgotten to make room.
        for index in 0..<capacity {
            #expect(store.claimNow(Self.key("nonce-\(index)"), expiresAt: 500, now: 200) == .replayed)
        }
        // Once they expire, the whole capacity is available again.
        for index in 0..<capacity {
            #expect(store.claimNow(Self.key("later-\(index)"), expiresAt: 900, now: 501) == .fresh, "later \(index)")
        }
        #expect(store.count == capacity)
        #expect(store.claimNow(Self.key("one-too-many"), expiresAt: 900, now: 501) == .full)
    }

    /// All keys on one shard: it grows past its share (4 of 64) instead of answering full.
    @Test func aShardHoldsMoreThanItsShareWhenTheKeysFallOnIt() {
        let store = MemoryNonceStore(capacity: 64, shards: 16)
        let before = store.storageBytes
        let target = store.shardIndex(of: Self.key("anchor"))
        var sameShard: [String] = []
        var candidate = 0
        while sameShard.count < 64 {
            candidate += 1
            if store.shardIndex(of: Self.key("k\(candidate)")) == target { sameShard.append("k\(candidate)") }
        }
        for value in sameShard {
            #expect(store.claimNow(Self.key(value), expiresAt: 10, now: 0) == .fresh, "\(value)")
        }
        #expect(store.count == 64)
        #expect(store.storageBytes > before)
        #expect(store.claimNow(Self.key("anchor"), expiresAt: 10, now: 0) == .full)
        for value in sameShard {
            #expect(store.claimNow(Self.key(value), expiresAt: 10, now: 5) == .replayed)
        }
    }

    /// Revocations: `record` stores unconditionally and counts against the capacity; `contains`
    /// records nothing.
    @Test func recordAndContains() {
        let store = MemoryNonceStore(capacity: 3, shards: 1)
        #expect(!store.containsNow(Self.key("jti-1"), now: 100))
        #expect(store.count == 0)
        #expect(store.recordNow(Self.key("jti-1"), expiresAt: 200, now: 100) == .fresh)
        #expect(store.containsNow(Self.key("jti-1"), now: 200))
        #expect(!store.containsNow(Self.key("jti-1"), now: 201))
        // Recording again keeps the later expiry, never shortens it.
        #expect(store.recordNow(Self.key("jti-1"), expiresAt: 150, now: 100) == .fresh)
        #expect(store.containsNow(Self.key("jti-1"), now: 200))
        #expect(store.recordNow(Self.key("jti-1"), expiresAt: 300, now: 100) == .fresh)
        #expect(store.containsNow(Self.key("jti-1"), now: 300))
        // A recorded key is refused by claim, and a claimed one is present.
        #expect(store.claimNow(Self.key("jti-1"), expiresAt: 300, now: 100) == .replayed)
        #expect(store.claimNow(Self.key("nonce"), expiresAt: 300, now: 100) == .fresh)
        #expect(store.containsNow(Self.key("nonce"), now: 300))
        #expect(store.recordNow(Self.key("jti-2"), expiresAt: 300, now: 100) == .fresh)
        #expect(store.count == 3)
        #expect(store.recordNow(Self.key("jti-3"), expiresAt: 300, now: 100) == .full)
        #expect(!store.containsNow(Self.key("jti-3"), now: 100))
        // An expired revocation makes room.
        #expect(store.recordNow(Self.key("jti-3"), expiresAt: 400, now: 301) == .fresh)
        #expect(store.count <= 3)
    }

    /// 16 bytes a slot, 4/3 slot per entry: about 21 bytes per remembered nonce when full
    /// (target ≤ 100) counted over the capacity; an empty store of any capacity holds 64 KiB a
    /// shard.
    @Test func memoryPerEntry() async throws {
        let store = MemoryNonceStore(capacity: 200_000, shards: 16)
        #expect(store.storageBytes == 16 * NonceTable.slotCount(forCapacity: NonceTable.initialCapacity) * 16)
        // Filled to 90 %: every shard has grown to its share and none past it (180,000 claims,
        // off the cooperative pool).
        let refused = try await runOffThePool {
            (0..<180_000).first { store.claimNow(Self.key("n\($0)"), expiresAt: 10, now: 0) != .fresh }
        }
        #expect(refused == nil, "nonce \(refused ?? -1) refused")
        let perEntry = Double(store.storageBytes) / 200_000
        #expect(perEntry < 22)
        #expect(MemoryLayout<NonceTable.Slot>.stride == 16)
    }

    // MARK: The NonceStore protocol

    @Test func theMemoryStoreDecidesAtOnce() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let store: any NonceStore = MemoryNonceStore(capacity: 10)
        guard case .decided(.fresh) = store.claim(Self.key("a"), expiresAt: 10, now: 0, on: loop) else {
            Issue.record("not decided fresh")
            return
        }
        #expect(store.entryCount == 1)
        // The callback form runs before it returns.
        let outcome = try loop.submit { () -> ReplayOutcome? in
            var seen: ReplayOutcome? = nil
            store.claim(Self.key("a"), expiresAt: 10, now: 0, on: loop) { seen = $0 }
            return seen
        }.wait()
        #expect(outcome == .replayed)
    }

    /// A networked store answers later, on the caller's loop; a failure is `.unavailable`.
    @Test func aPendingClaimCompletesOnTheLoop() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        defer { try? group.syncShutdownGracefully() }
        let caller = group.next()
        let remote = group.next()
        let store = RemoteStoreStub(loop: remote)

        func claim(_ value: String) throws -> ReplayOutcome {
            let promise = caller.makePromise(of: ReplayOutcome.self)
            caller.execute {
                store.claim(Self.key(value), expiresAt: 10, now: 0, on: caller) { outcome in
                    caller.preconditionInEventLoop()
                    promise.succeed(outcome)
                }
            }
            return try promise.futureResult.wait()
        }
        #expect(try claim("a") == .fresh)
        #expect(try claim("a") == .replayed)
        #expect(try claim("down") == .unavailable)
        #expect(store.entryCount == nil)

        func lookUp(_ value: String) throws -> ReplayPresence {
            let promise = caller.makePromise(of: ReplayPresence.self)
            caller.execute {
                store.contains(Self.key(value), now: 0, on: caller) { presence in
                    caller.preconditionInEventLoop()
                    promise.succeed(presence)
                }
            }
            return try promise.futureResult.wait()
        }
        func record(_ value: String) throws -> ReplayOutcome {
            let promise = caller.makePromise(of: ReplayOutcome.self)
            caller.execute {
                store.record(Self.key(value), expiresAt: 10, now: 0, on: caller) { outcome in
                    caller.preconditionInEventLoop()
                    promise.succeed(outcome)
                }
            }
            return try promise.futureResult.wait()
        }
        #expect(try lookUp("a") == .present)
        #expect(try lookUp("b") == .absent)
        #expect(try lookUp("down") == .unavailable)
        #expect(try record("b") == .fresh)
        #expect(try lookUp("b") == .present)
        #expect(try record("down") == .unavailable)
    }

    @Test func outcomesCarryTheirSPECCodes() {
        #expect(ReplayOutcome.fresh.reasonCode == nil)
        #expect(ReplayOutcome.replayed.reasonCode == "replayed_nonce")
        #expect(ReplayOutcome.replayed.httpStatus == 401)
        #expect(ReplayOutcome.full.reasonCode == "replay_store_full")
        #expect(ReplayOutcome.full.httpStatus == 503)
        #expect(ReplayOutcome.unavailable.reasonCode == "replay_store_unavailable")
        #expect(ReplayOutcome.unavailable.httpStatus == 503)
    }
}

/// A store that answers on another event loop, as a Redis client would; "down" fails.
private final class RemoteStoreStub: NonceStore {
    let loop: any EventLoop
    let memory = MemoryNonceStore(capacity: 100)

    init(loop: any EventLoop) {
        self.loop = loop
    }

    func claim(_ key: NonceKey, expiresAt: Int64, now: Int64, on eventLoop: any EventLoop) -> ReplayClaim {
        let memory = self.memory
        let future = self.loop.submit { () throws -> ReplayOutcome in
            if key.value == "down" { throw ChannelError.ioOnClosedChannel }
            return memory.claimNow(key, expiresAt: expiresAt, now: now)
        }
        return .pending(future)
    }

    func contains(_ key: NonceKey, now: Int64, on eventLoop: any EventLoop) -> ReplayLookup {
        let memory = self.memory
        let future = self.loop.submit { () throws -> ReplayPresence in
            if key.value == "down" { throw ChannelError.ioOnClosedChannel }
            return memory.containsNow(key, now: now) ? .present : .absent
        }
        return .pending(future)
    }

    func record(_ key: NonceKey, expiresAt: Int64, now: Int64, on eventLoop: any EventLoop) -> ReplayClaim {
        let memory = self.memory
        let future = self.loop.submit { () throws -> ReplayOutcome in
            if key.value == "down" { throw ChannelError.ioOnClosedChannel }
            return memory.recordNow(key, expiresAt: expiresAt, now: now)
        }
        return .pending(future)
    }
}
