extension JWKSRule {
    /// Every key this table may hold (SPEC §2, §8); any other is an error.
    static let knownKeys = ["file", "url", "refresh", "issuer", "audiences"]

    /// One `[[jwks]]` entry: a local `file`, or an https `url` refreshed every `refresh` (default 10m).
    init?(decoding reader: TableReader) {
        reader.rejectUnknownKeys(Self.knownKeys)
        let source = Self.source(reader)
        let issuer = reader.nonEmptyString("issuer")
        let audiences = reader.strings("audiences") ?? []
        guard let source else { return nil }
        self.init(source: source, issuer: issuer, audiences: audiences)
    }

    private static func source(_ reader: TableReader) -> Source? {
        guard let key = reader.exactlyOne(of: ["file", "url"], missing: "needs file or url") else { return nil }
        if key == "file" {
            if reader.has("refresh") {
                reader.error("refresh", anchor: .key, "only a url is refreshed; a file is reread on reload")
            }
            return reader.file("file").map(Source.file)
        }
        let refresh = reader.duration("refresh") ?? .seconds(600)
        guard let url = reader.nonEmptyString("url") else { return nil }
        guard url.hasPrefix("https://"), url.count > "https://".count else {
            reader.error("url", "must be an https:// URL: keys fetched in clear text could be swapped")
            return nil
        }
        return .url(url, refresh: refresh)
    }
}
