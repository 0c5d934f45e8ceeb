/// Decodes `[[api_keys]]` entries from the rules file and `api_keys_file` into one list, refusing
/// a repeated id or hash (a hash twice would make one key match two entries).
///
/// Both checks are dictionary lookups: 100,000 keys load in linear time. The registries remember
/// an entry by its position among the batches added, so they hold nothing that needs releasing.
struct APIKeyCollector {
    /// Where an entry is: `batches[batch][index]`.
    private struct Place {
        var batch: Int32
        var index: Int32
    }

    private var batches: [[TableReader]] = []
    private var ids = NameRegistry<String, Place>()
    private var hashes = NameRegistry<Digest, Place>()
    private(set) var keys: [APIKeyRule] = []

    /// Decodes `entries` (all from one file), after those added before.
    mutating func add(_ entries: [TableReader]) {
        let batch = Int32(self.batches.count)
        self.batches.append(entries)
        self.keys.reserveCapacity(self.keys.count + entries.count)
        self.ids.reserveCapacity(self.keys.count + entries.count)
        self.hashes.reserveCapacity(self.keys.count + entries.count)
        for (index, entry) in entries.enumerated() {
            let place = Place(batch: batch, index: Int32(index))
            if let id = entry.peekString("id"), let first = self.ids.claim(id, at: place) {
                entry.error("id", "duplicate API key id \"\(id)\"; first used by \(self.describe(first, from: entry))")
            }
            guard let key = APIKeyRule(decoding: entry) else { continue }
            if let first = self.hashes.claim(Digest(key.hash), at: place) {
                entry.error(
                    "hash",
                    "same hash as \(self.describe(first, from: entry)): one key would match both entries"
                )
            }
            self.keys.append(key)
        }
    }

    /// `api_keys[1](acme)`, with ` in FILE` when that entry is in another file than `entry`.
    private func describe(_ place: Place, from entry: TableReader) -> String {
        let first = self.batches[Int(place.batch)][Int(place.index)]
        let file = first.context.source.path
        return file == entry.context.source.path ? "\(first.path)" : "\(first.path) in \(file)"
    }
}

/// A SHA-256 digest as four words: hashed and compared without touching the heap.
private struct Digest: Hashable {
    private let first: UInt64
    private let second: UInt64
    private let third: UInt64
    private let fourth: UInt64

    /// `bytes` holds the 32 bytes `APIKeyHash.parse` produced.
    init(_ bytes: [UInt8]) {
        func word(_ start: Int) -> UInt64 {
            bytes[start..<start + 8].reduce(0) { $0 << 8 | UInt64($1) }
        }
        (self.first, self.second, self.third, self.fourth) = (word(0), word(8), word(16), word(24))
    }
}
