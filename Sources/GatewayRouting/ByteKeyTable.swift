/// An immutable hash table whose keys are byte strings (paths, host names), looked up by bytes in place.
///
/// Written by hand, because a request looks a route up on every request: `Dictionary` needs a key value — a
/// `Substring` of the request's path — which it hashes with SipHash and compares as Unicode text, several hundred
/// instructions a look-up and a copy of the table on the way. Here a key is found by FNV-1a over its bytes, a
/// probe and a byte comparison.
///
/// A weak hash is safe here: the keys are the rules file's, fixed when the table is built, and a request's bytes
/// only probe it. Colliding request paths make a look-up walk at most the longest run of the table's own keys,
/// which the load factor (at most one half) keeps short.
struct ByteKeyTable<Value: Sendable>: Sendable {
    private struct Entry: Sendable {
        var hash: UInt64
        var keyStart: Int
        var keyLength: Int
        var value: Value
    }

    /// Entry index + 1 per slot, 0 for an empty slot; the slot count is a power of two.
    private let slots: [Int32]
    private let entries: [Entry]
    /// Every key's bytes, back to back.
    private let keyBytes: [UInt8]
    /// `keyLengths[n]`: some key is `n` bytes long. Most look-ups (a path cut at each `/`, each
    /// suffix of a host) are of a length no key has, and end here without hashing.
    private let keyLengths: [Bool]

    var isEmpty: Bool { self.entries.isEmpty }

    /// A table of `pairs`; a key given twice keeps its first value.
    init(_ pairs: [(key: [UInt8], value: Value)]) {
        var slotCount = 2
        while slotCount < pairs.count * 2 { slotCount *= 2 }
        var slots = [Int32](repeating: 0, count: pairs.isEmpty ? 0 : slotCount)
        var entries: [Entry] = []
        var keyBytes: [UInt8] = []
        var keyLengths = [Bool](repeating: false, count: (pairs.lazy.map(\.key.count).max() ?? -1) + 1)
        for (key, value) in pairs {
            keyLengths[key.count] = true
            let hash = key.withUnsafeBufferPointer { Self.hash(UnsafeRawBufferPointer($0)) }
            var slot = Self.slot(hash, count: slotCount)
            var isDuplicate = false
            while slots[slot] != 0 {
                let entry = entries[Int(slots[slot]) - 1]
                if entry.hash == hash, Array(keyBytes[entry.keyStart..<entry.keyStart + entry.keyLength]) == key {
                    isDuplicate = true
                    break
                }
                slot = (slot + 1) & (slotCount - 1)
            }
            guard !isDuplicate else { continue }
            entries.append(Entry(hash: hash, keyStart: keyBytes.count, keyLength: key.count, value: value))
            keyBytes.append(contentsOf: key)
            slots[slot] = Int32(entries.count)
        }
        self.slots = slots
        self.entries = entries
        self.keyBytes = keyBytes
        self.keyLengths = keyLengths
    }

    /// The value of the key equal to `bytes`, if any.
    @inline(__always)
    func value(for bytes: UnsafeRawBufferPointer) -> Value? {
        guard bytes.count < self.keyLengths.count, self.keyLengths[bytes.count] else { return nil }
        let hash = Self.hash(bytes)
        let mask = self.slots.count - 1
        var slot = Self.slot(hash, count: self.slots.count)
        while true {
            let index = Int(self.slots[slot])
            guard index != 0 else { return nil }
            let entry = self.entries[index - 1]
            if entry.hash == hash, entry.keyLength == bytes.count, self.keyEquals(entry, bytes) {
                return entry.value
            }
            slot = (slot + 1) & mask
        }
    }

    /// Whether the entry's key is `bytes`, whose length is the key's.
    private func keyEquals(_ entry: Entry, _ bytes: UnsafeRawBufferPointer) -> Bool {
        self.keyBytes.withUnsafeBufferPointer { keys in
            var offset = 0
            while offset < entry.keyLength {
                guard keys[entry.keyStart + offset] == bytes[offset] else { return false }
                offset += 1
            }
            return true
        }
    }

    /// FNV-1a, 64 bits.
    @inline(__always)
    private static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    @inline(__always)
    private static func slot(_ hash: UInt64, count: Int) -> Int {
        Int(truncatingIfNeeded: hash ^ (hash >> 29)) & (count - 1)
    }
}
