extension TLSRules {
    /// Every key this table may hold (SPEC §2, §8); any other is an error.
    static let knownKeys = ["cert_file", "key_file"]

    /// `tls = { cert_file = …, key_file = … }` or a `[server.tls]` table; both files must be readable.
    init?(decoding reader: TableReader) {
        reader.rejectUnknownKeys(Self.knownKeys)
        let certFile = reader.has("cert_file") ? reader.file("cert_file") : nil
        let keyFile = reader.has("key_file") ? reader.file("key_file") : nil
        for key in Self.knownKeys where !reader.has(key) {
            reader.error(key, "required key is missing")
        }
        guard let certFile, let keyFile else { return nil }
        self.init(certFile: certFile, keyFile: keyFile)
    }
}
