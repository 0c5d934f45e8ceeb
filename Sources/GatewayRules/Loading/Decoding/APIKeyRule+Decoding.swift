extension APIKeyRule {
    /// Every key this table may hold (SPEC §2, §8); any other is an error.
    static let knownKeys = ["id", "hash", "scopes", "subject", "expires", "disabled"]

    /// One `[[api_keys]]` entry, inline or in `api_keys_file`; runs 100,000 times for a large file,
    /// so it reads each key once and parses by hand.
    init?(decoding reader: TableReader) {
        reader.rejectUnknownKeys(Self.knownKeys)
        let id = reader.requiredString("id")
        let hash = reader.requiredString("hash").flatMap {
            reader.parse($0, at: reader.path("hash"), as: "hash", showingText: false, APIKeyHash.parse)
        }
        let scopes = reader.scopes("scopes")
        let subject = reader.nonEmptyString("subject")
        let expires = Self.expires(reader)
        let disabled = reader.bool("disabled") ?? false
        guard let id, let hash, let scopes else { return nil }
        self.init(id: id, hash: hash, scopes: scopes, subject: subject, expires: expires, disabled: disabled)
    }

    /// `expires`: an RFC 3339 string, or a TOML offset date-time written without quotes.
    private static func expires(_ reader: TableReader) -> Int64? {
        switch reader.table["expires"] {
        case nil:
            return nil
        case .offsetDateTime(let seconds):
            return seconds
        case .local(.localDateTime):
            reader.error("expires", "needs a time zone: end it with \"Z\" or an offset such as \"+02:00\"")
            return nil
        default:
            return reader.parsed("expires", as: "RFC 3339 timestamp", RFC3339.secondsSince1970)
        }
    }
}
