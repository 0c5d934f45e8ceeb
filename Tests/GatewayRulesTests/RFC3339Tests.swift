import Testing

@testable import GatewayRules

/// The hand-written RFC 3339 parser behind `[[api_keys]] expires`.
struct RFC3339Tests {
    @Test(arguments: [
        ("1970-01-01T00:00:00Z", Int64(0)),
        ("2027-06-30T00:00:00Z", 1_814_313_600),
        ("2024-02-29T12:00:00+02:00", 1_709_200_800),
        ("2024-02-29 12:00:00.999-00:30", 1_709_209_800),
        ("1969-12-31t23:59:59z", -1),
        ("2016-12-31T23:59:60Z", 1_483_228_800),
    ])
    func timestampsParse(text: String, seconds: Int64) throws {
        #expect(try RFC3339.secondsSince1970(text) == seconds)
    }

    @Test(arguments: [
        ("2027-06-30", "expected \"T\" between date and time"),
        ("2027-06-30T00:00:00", "missing time zone; end with \"Z\" or an offset such as \"+02:00\""),
        ("2023-02-29T00:00:00Z", "day must be from 1 to 28"),
        ("2027-13-01T00:00:00Z", "month must be from 1 to 12"),
        ("2027-06-30T24:00:00Z", "hour must be from 0 to 23"),
        ("2027-06-30T00:00:00+0200", "expected \":\""),
        ("2027-06-30T00:00:00Zjunk", "unexpected text after the time zone"),
        ("27-06-30T00:00:00Z", "expected a 4-digit year"),
    ])
    func badTimestampsSayWhy(text: String, message: String) {
        #expect(throws: ValueError(message)) { try RFC3339.secondsSince1970(text) }
    }
}
