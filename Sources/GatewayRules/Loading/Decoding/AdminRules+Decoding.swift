extension AdminRules {
    /// Every key this table may hold (SPEC §2, §8); any other is an error.
    static let knownKeys = ["listen"]

    /// `[admin]`: present means on, so `listen` is required.
    init?(decoding reader: TableReader) {
        reader.rejectUnknownKeys(Self.knownKeys)
        guard reader.has("listen") else {
            reader.error("listen", "required key is missing (remove [admin] to turn the admin listener off)")
            return nil
        }
        guard let listen = reader.parsed("listen", as: "listen address", ListenAddress.init(parsing:)) else {
            return nil
        }
        self.init(listen: listen)
    }
}
