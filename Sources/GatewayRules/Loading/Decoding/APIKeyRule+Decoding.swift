import TOMLKit

extension APIKeyRule {
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
        guard let value = reader.table["expires"] else { return nil }
        if let dateTime = value.dateTime {
            return Self.seconds(dateTime, reader)
        }
        return reader.parsed("expires", as: "RFC 3339 timestamp", RFC3339.secondsSince1970)
    }

    private static func seconds(_ dateTime: TOMLDateTime, _ reader: TableReader) -> Int64? {
        guard let offset = dateTime.offset else {
            reader.error("expires", "needs a time zone: end it with \"Z\" or an offset such as \"+02:00\"")
            return nil
        }
        let days = RFC3339.daysSince1970(year: dateTime.date.year, month: dateTime.date.month, day: dateTime.date.day)
        let time = dateTime.time.hour * 3600 + dateTime.time.minute * 60 + dateTime.time.second
        return Int64(days) * 86_400 + Int64(time) - Int64(offset.offset * 60)
    }
}
