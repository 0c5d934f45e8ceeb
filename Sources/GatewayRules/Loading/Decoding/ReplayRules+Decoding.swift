extension ReplayRules {
    /// Every key this table may hold (SPEC §2, §8); any other is an error.
    static let knownKeys = ["window", "capacity", "on_full", "store"]

    /// `[replay]`: the window, the nonce store's bound, and where the store lives.
    init(decoding reader: TableReader) {
        reader.rejectUnknownKeys(Self.knownKeys)
        let defaults = ReplayRules()
        self.init(
            window: reader.duration("window") ?? defaults.window,
            capacity: reader.integer("capacity", atLeast: 1) ?? defaults.capacity,
            onFull: reader.choice("on_full", among: ["reject"]).flatMap(OnFull.init(rawValue:)) ?? .reject,
            store: Self.store(reader) ?? .memory
        )
    }

    /// `"memory"` or a `redis://` URL; the URL is never repeated in messages (it may hold a password).
    private static func store(_ reader: TableReader) -> Store? {
        guard reader.has("store") else { return nil }
        guard let text = reader.string("store") else { return nil }
        if text == "memory" { return .memory }
        return reader.parse(text, at: reader.path("store"), as: "store", showingText: false) {
            text throws(ValueError) in
            try RedisLocation(parsing: text)
        }.map(Store.redis)
    }
}
