/// One shard's buckets: a set-associative table of fixed size — `ways` slots per set, a bucket's
/// set chosen by its digest — allocated once and never grown. Used only under its shard's lock.
///
/// A slot is 16 bytes: the bucket's 64-bit keyed digest (0 marks an empty slot) and its TAT
/// (`GCRA`). A bucket whose TAT is not after `now` is full, and deciding from it or from nothing
/// gives the same answer, so such a slot is free for any other bucket: idle buckets cost nothing
/// and need no sweep.
///
/// When a new bucket's set holds `ways` buckets that are all still filling, the one closest to
/// full (the smallest TAT) is forgotten: that client's next request finds a full bucket, so it
/// may get up to `burst` more requests through than its limit — a looser limit for one client,
/// never a refusal of anyone, and never more memory. Only more simultaneously active clients
/// than the table has room for make this happen; `evictions` counts it.
struct BucketTable: ~Copyable {
    struct Slot {
        var key: UInt64
        var tat: Int64
    }

    static let ways = 8

    private let slots: UnsafeMutablePointer<Slot>
    private let sets: Int
    /// Buckets forgotten while still filling.
    private(set) var evictions = 0

    /// Room for at least `capacity` buckets (rounded up to whole sets).
    init(capacity: Int) {
        self.sets = max(1, (capacity + Self.ways - 1) / Self.ways)
        self.slots = .allocate(capacity: self.sets * Self.ways)
        self.slots.initialize(repeating: Slot(key: 0, tat: 0), count: self.sets * Self.ways)
    }

    deinit {
        self.slots.deinitialize(count: self.sets * Self.ways)
        self.slots.deallocate()
    }

    var slotCount: Int { self.sets * Self.ways }

    /// Buckets still filling at `now` (the others are as good as absent).
    func liveCount(now: Int64) -> Int {
        var count = 0
        for index in 0..<self.slotCount where self.slots[index].key != 0 && self.slots[index].tat > now {
            count += 1
        }
        return count
    }

    /// One request against the bucket of `key` (nonzero).
    mutating func acquire(key: UInt64, now: Int64, limit: RateLimit, source: RateLimitDecision.Source) -> RateLimitDecision {
        let set = Int(truncatingIfNeeded: key.multipliedFullWidth(by: UInt64(self.sets)).high)
        let base = self.slots + set * Self.ways
        var victim = 0
        for way in 0..<Self.ways {
            let slot = base[way]
            if slot.key == key {
                let (decision, newTAT) = GCRA.evaluate(tat: slot.tat, now: now, limit: limit, source: source)
                if let newTAT { base[way].tat = newTAT }
                return decision
            }
            if slot.tat < base[victim].tat { victim = way }
        }
        // A new bucket: the first request on a full bucket is always allowed (burst >= 1).
        let (decision, newTAT) = GCRA.evaluate(tat: nil, now: now, limit: limit, source: source)
        if let newTAT {
            if base[victim].key != 0, base[victim].tat > now { self.evictions += 1 }
            base[victim] = Slot(key: key, tat: newTAT)
        }
        return decision
    }
}
