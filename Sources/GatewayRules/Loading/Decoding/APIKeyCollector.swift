/// Decodes `[[api_keys]]` entries from the rules file and `api_keys_file` into one list, refusing
/// a repeated id or hash (a hash twice would make one key match two entries).
///
/// Both checks are dictionary lookups: 100,000 keys load in linear time.
struct APIKeyCollector {
    private var ids = NameRegistry<String>(what: "API key id")
    private var hashes = NameRegistry<[UInt8]>(what: "API key hash")
    private(set) var keys: [APIKeyRule] = []

    mutating func add(_ entries: [TableReader]) {
        self.keys.reserveCapacity(self.keys.count + entries.count)
        for entry in entries {
            if let id = entry.peekString("id") {
                self.ids.claim(id, shown: "\"\(id)\"", key: "id", of: entry)
            }
            guard let key = APIKeyRule(decoding: entry) else { continue }
            let file = entry.context.source.path
            if let first = self.hashes.claim(key.hash, by: entry.path, in: file) {
                let place = first.file == file ? "" : " in \(first.file)"
                entry.error("hash", "same hash as \(first.path)\(place): one key would match both entries")
            }
            self.keys.append(key)
        }
    }
}
