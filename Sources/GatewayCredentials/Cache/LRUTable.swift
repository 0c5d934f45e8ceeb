/// A bounded map that forgets its least recently used entry when full, each entry with an
/// expiry time. Nodes live in one array linked by indices (a doubly linked list without
/// per-node allocations); a dictionary maps keys to node indices.
struct LRUTable<Key: Hashable, Value> {
    private struct Node {
        var key: Key
        var value: Value
        /// The entry is gone at this time (seconds).
        var expires: Int64
        var previous: Int32
        var next: Int32
    }

    private static var none: Int32 { -1 }

    let capacity: Int
    private var index: [Key: Int32]
    private var nodes: [Node]
    /// Most recently used.
    private var head: Int32 = Self.none
    /// Least recently used: evicted first.
    private var tail: Int32 = Self.none
    /// Node slots freed by expiry, reused before the array grows.
    private var free: [Int32] = []

    init(capacity: Int) {
        precondition(capacity > 0 && capacity < Int(Int32.max), "capacity must be positive")
        self.capacity = capacity
        self.index = Dictionary(minimumCapacity: min(capacity, 1 << 16))
        self.nodes = []
    }

    var count: Int { self.index.count }

    /// The value for `key` if present and `now < expires`; marks it most recently used. An
    /// expired entry is removed and reported as absent.
    mutating func value(for key: Key, now: Int64) -> Value? {
        guard let slot = self.index[key] else { return nil }
        let position = Int(slot)
        guard now < self.nodes[position].expires else {
            self.unlink(slot)
            self.index[key] = nil
            self.free.append(slot)
            return nil
        }
        if slot != self.head {
            self.unlink(slot)
            self.pushFront(slot)
        }
        return self.nodes[position].value
    }

    /// Adds or replaces `key`'s entry as the most recently used, evicting the least recently used
    /// entry when full.
    mutating func insert(_ key: Key, _ value: Value, expires: Int64) {
        if let slot = self.index[key] {
            self.nodes[Int(slot)].value = value
            self.nodes[Int(slot)].expires = expires
            if slot != self.head {
                self.unlink(slot)
                self.pushFront(slot)
            }
            return
        }
        let slot: Int32
        if let reused = self.free.popLast() {
            slot = reused
            self.nodes[Int(slot)] = Node(key: key, value: value, expires: expires, previous: Self.none, next: Self.none)
        } else if self.nodes.count < self.capacity {
            slot = Int32(self.nodes.count)
            self.nodes.append(Node(key: key, value: value, expires: expires, previous: Self.none, next: Self.none))
        } else {
            // Full: the least recently used entry makes room.
            slot = self.tail
            self.unlink(slot)
            self.index[self.nodes[Int(slot)].key] = nil
            self.nodes[Int(slot)] = Node(key: key, value: value, expires: expires, previous: Self.none, next: Self.none)
        }
        self.index[key] = slot
        self.pushFront(slot)
    }

    mutating func removeAll() {
        self.index.removeAll(keepingCapacity: true)
        self.nodes.removeAll(keepingCapacity: true)
        self.free.removeAll()
        self.head = Self.none
        self.tail = Self.none
    }

    /// Keys from most to least recently used (for tests).
    var keysByRecency: [Key] {
        var keys: [Key] = []
        var cursor = self.head
        while cursor != Self.none {
            keys.append(self.nodes[Int(cursor)].key)
            cursor = self.nodes[Int(cursor)].next
        }
        return keys
    }

    private mutating func unlink(_ slot: Int32) {
        let previous = self.nodes[Int(slot)].previous
        let next = self.nodes[Int(slot)].next
        if previous != Self.none { self.nodes[Int(previous)].next = next } else { self.head = next }
        if next != Self.none { self.nodes[Int(next)].previous = previous } else { self.tail = previous }
        self.nodes[Int(slot)].previous = Self.none
        self.nodes[Int(slot)].next = Self.none
    }

    private mutating func pushFront(_ slot: Int32) {
        self.nodes[Int(slot)].previous = Self.none
        self.nodes[Int(slot)].next = self.head
        if self.head != Self.none { self.nodes[Int(self.head)].previous = slot }
        self.head = slot
        if self.tail == Self.none { self.tail = slot }
    }
}
