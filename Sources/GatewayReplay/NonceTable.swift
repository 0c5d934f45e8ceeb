/// One shard's nonces: an open-addressing table with linear probing. Used only under its shard's
/// lock.
///
/// A slot is 16 bytes: 64 bits of the nonce's digest (also its home position), 32 more bits as
/// a tag (0 marks an empty slot, so the tag's low bit is forced to 1), and the second until which
/// the nonce must be refused. There are a third more slots than `capacity`, so probe sequences
/// stay short at full load and an empty slot always ends them.
///
/// The table does not decide whether there is room for a new entry: the store does, against its
/// one `capacity` shared by every shard (SPEC §9: `replay_store_full` only once `capacity` live
/// entries are held, however the store is sharded inside). When the store admits an entry and
/// this table already holds `capacity` entries, it grows (doubling, up to the store's capacity):
/// a shard that receives more than its share of nonces holds them rather than answering full.
///
/// Expired entries are not removed one by one: a probe that passes one may reuse its slot, and
/// `removeExpired(now:)` drops every expired entry in one pass and closes the gaps.
/// `earliestExpiry` (never above the true minimum) makes that pass free when nothing can have
/// expired, so the store may call it whenever it runs out of room.
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

    private var slots: UnsafeMutablePointer<Slot>
    private(set) var slotCount: Int
    /// Entries the table holds before it must grow.
    private(set) var capacity: Int
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

    /// Whether `key`/`tag` is held and live.
    func contains(key: UInt64, tag: UInt32, now: UInt32) -> Bool {
        var index = self.home(key)
        while true {
            let slot = self.slots[index]
            if slot.tag == 0 { return false }
            if slot.key == key, slot.tag == tag { return now <= slot.expires }
            index &+= 1
            if index == self.slotCount { index = 0 }
        }
    }

    /// Settles `key`/`tag` without a new entry when it can: `.replayed` when it is held and live
    /// (with `extend`, its expiry is first raised to `expires` if later); `.fresh` when it was
    /// recorded in place of itself expired, or of another expired entry on its probe path; nil
    /// when it is absent and needs a new entry.
    @inline(__always)
    mutating func settleInPlace(key: UInt64, tag: UInt32, expires: UInt32, now: UInt32, extend: Bool) -> ReplayOutcome? {
        var index = self.home(key)
        var reusable = -1
        while true {
            let slot = self.slots[index]
            if slot.tag == 0 { break }
            if slot.key == key, slot.tag == tag {
                // Found before anything is stored, so a replay is reported even when full.
                if now <= slot.expires {
                    if extend, expires > slot.expires { self.slots[index].expires = expires }
                    return .replayed
                }
                self.slots[index].expires = expires
                self.noteExpiry(expires)
                return .fresh
            }
            if reusable < 0, slot.expires < now { reusable = index }
            index &+= 1
            if index == self.slotCount { index = 0 }
        }
        guard reusable >= 0 else { return nil }
        self.slots[reusable] = Slot(key: key, tag: tag, expires: expires)
        self.noteExpiry(expires)
        return .fresh
    }

    /// Adds `key`/`tag`, known to be absent (`settleInPlace` answered nil), growing the table
    /// first when it holds `capacity` entries. The store has admitted the entry, so its shards
    /// together hold fewer than `limit`: the table never needs more room than that.
    mutating func insert(key: UInt64, tag: UInt32, expires: UInt32, growingUpTo limit: Int) {
        if self.occupied >= self.capacity {
            self.resize(capacity: max(self.occupied + 1, min(limit, self.capacity * 2)))
        }
        self.place(Slot(key: key, tag: tag, expires: expires))
        self.occupied &+= 1
        self.noteExpiry(expires)
    }

    /// Puts `slot` in the first empty slot from its home.
    @inline(__always)
    private mutating func place(_ slot: Slot) {
        var index = self.home(slot.key)
        while self.slots[index].tag != 0 {
            index &+= 1
            if index == self.slotCount { index = 0 }
        }
        self.slots[index] = slot
    }

    /// Moves every entry into a table sized for `capacity` entries. O(slotCount); runs only when
    /// a shard holds more than its share, each time doubling, so its cost per entry is constant.
    private mutating func resize(capacity: Int) {
        let old = self.slots
        let oldCount = self.slotCount
        self.capacity = capacity
        self.slotCount = Self.slotCount(forCapacity: capacity)
        self.slots = .allocate(capacity: self.slotCount)
        self.slots.initialize(repeating: Slot(key: 0, tag: 0, expires: 0), count: self.slotCount)
        for index in 0..<oldCount where old[index].tag != 0 {
            self.place(old[index])
        }
        old.deinitialize(count: oldCount)
        old.deallocate()
    }

    @inline(__always)
    private mutating func noteExpiry(_ expires: UInt32) {
        if expires < self.earliestExpiry { self.earliestExpiry = expires }
    }

    /// Drops every entry with `expires < now` and re-seats the survivors so that each is again
    /// reachable from its home slot without crossing an empty one (linear probing's invariant).
    /// Returns how many entries it dropped.
    ///
    /// The pass starts just after an empty slot, so no cluster wraps around the start; each
    /// survivor, taken out and re-inserted from its home in that order, lands at or before its
    /// old position. O(slotCount), no allocation; free when no entry can have expired.
    @discardableResult
    mutating func removeExpired(now: UInt32) -> Int {
        guard self.earliestExpiry < now else { return 0 }
        var start = 0
        while self.slots[start].tag != 0 { start &+= 1 }
        var earliest = UInt32.max
        var dropped = 0
        var index = start
        for _ in 0..<self.slotCount {
            index &+= 1
            if index == self.slotCount { index = 0 }
            let slot = self.slots[index]
            guard slot.tag != 0 else { continue }
            self.slots[index].tag = 0
            if slot.expires < now {
                dropped &+= 1
                continue
            }
            if slot.expires < earliest { earliest = slot.expires }
            self.place(slot)
        }
        self.occupied &-= dropped
        self.earliestExpiry = earliest
        return dropped
    }
}
