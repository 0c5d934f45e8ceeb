/// One shard's nonces: an open-addressing table with linear probing, of fixed size, that never
/// grows. Used only under its shard's lock.
///
/// A slot is 16 bytes: 64 bits of the nonce's digest (also its home position), 32 more bits as
/// a tag (0 marks an empty slot, so the tag's low bit is forced to 1), and the second until which
/// the nonce must be refused. There are a third more slots than `capacity`, so probe sequences
/// stay short at full load and an empty slot always ends them.
///
/// Expired entries are not removed one by one: a probe that passes one may reuse its slot, and
/// when the table holds `capacity` entries and the oldest may have expired, one pass drops every
/// expired entry and closes the gaps. `earliestExpiry` (never above the true minimum) lets a full
/// table of live entries answer `.full` at once; the pass runs at most once per second of clock
/// time, because afterwards the minimum is exact and expiry is checked in whole seconds.
struct NonceTable: ~Copyable {
    struct Slot {
        var key: UInt64
        var tag: UInt32
        /// Unix seconds, clamped to 32 bits (good until 2106): the entry is live while
        /// `now <= expires`.
        var expires: UInt32
    }

    /// Slots per entry of capacity: 4/3, a load factor of 0.75 at most.
    static func slotCount(forCapacity capacity: Int) -> Int {
        max(capacity + 1, (capacity * 4 + 2) / 3)
    }

    private let slots: UnsafeMutablePointer<Slot>
    let slotCount: Int
    let capacity: Int
    /// Slots holding an entry, live or expired.
    private(set) var occupied = 0
    /// At most the smallest `expires` of any entry held; `.max` when empty.
    private var earliestExpiry: UInt32 = .max

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
        self.slotCount = Self.slotCount(forCapacity: capacity)
        self.slots = .allocate(capacity: self.slotCount)
        self.slots.initialize(repeating: Slot(key: 0, tag: 0, expires: 0), count: self.slotCount)
    }

    deinit {
        self.slots.deinitialize(count: self.slotCount)
        self.slots.deallocate()
    }

    /// Bytes of slot storage.
    var storageBytes: Int { self.slotCount * MemoryLayout<Slot>.stride }

    /// The home slot of `key`: Lemire's multiply-shift range reduction, so the slot count need
    /// not be a power of two.
    @inline(__always)
    private func home(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: key.multipliedFullWidth(by: UInt64(self.slotCount)).high)
    }

    /// Finds `key`/`tag`; records it if absent or expired.
    mutating func claim(key: UInt64, tag: UInt32, expires: UInt32, now: UInt32) -> ReplayOutcome {
        if let outcome = self.tryClaim(key: key, tag: tag, expires: expires, now: now) { return outcome }
        // Every slot we may use is taken. If an entry may have expired, drop the expired ones and
        // try once more; otherwise the table is full of live entries.
        guard self.earliestExpiry < now else { return .full }
        self.removeExpired(now: now)
        return self.tryClaim(key: key, tag: tag, expires: expires, now: now) ?? .full
    }

    /// `.replayed`, `.fresh`, or nil when the key is absent and no slot is free.
    @inline(__always)
    private mutating func tryClaim(key: UInt64, tag: UInt32, expires: UInt32, now: UInt32) -> ReplayOutcome? {
        var index = self.home(key)
        var reusable = -1
        while true {
            let slot = self.slots[index]
            if slot.tag == 0 { break }
            if slot.key == key, slot.tag == tag {
                // Found before anything is stored, so a replay is reported even when full.
                if now <= slot.expires { return .replayed }
                self.slots[index].expires = expires
                self.noteExpiry(expires)
                return .fresh
            }
            if reusable < 0, slot.expires < now { reusable = index }
            index &+= 1
            if index == self.slotCount { index = 0 }
        }
        if reusable >= 0 {
            self.slots[reusable] = Slot(key: key, tag: tag, expires: expires)
        } else if self.occupied < self.capacity {
            self.slots[index] = Slot(key: key, tag: tag, expires: expires)
            self.occupied &+= 1
        } else {
            return nil
        }
        self.noteExpiry(expires)
        return .fresh
    }

    @inline(__always)
    private mutating func noteExpiry(_ expires: UInt32) {
        if expires < self.earliestExpiry { self.earliestExpiry = expires }
    }

    /// Drops every entry with `expires < now` and re-seats the survivors so that each is again
    /// reachable from its home slot without crossing an empty one (linear probing's invariant).
    ///
    /// The pass starts just after an empty slot, so no cluster wraps around the start; each
    /// survivor, taken out and re-inserted from its home in that order, lands at or before its
    /// old position. O(slotCount), no allocation.
    mutating func removeExpired(now: UInt32) {
        guard self.earliestExpiry < now else { return }
        var start = 0
        while self.slots[start].tag != 0 { start &+= 1 }
        var earliest = UInt32.max
        var index = start
        for _ in 0..<self.slotCount {
            index &+= 1
            if index == self.slotCount { index = 0 }
            let slot = self.slots[index]
            guard slot.tag != 0 else { continue }
            self.slots[index].tag = 0
            if slot.expires < now {
                self.occupied &-= 1
                continue
            }
            if slot.expires < earliest { earliest = slot.expires }
            var target = self.home(slot.key)
            while self.slots[target].tag != 0 {
                target &+= 1
                if target == self.slotCount { target = 0 }
            }
            self.slots[target] = slot
        }
        self.earliestExpiry = earliest
    }
}
