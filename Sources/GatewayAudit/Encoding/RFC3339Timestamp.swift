/// Formats milliseconds since 1970-01-01T00:00:00Z as an RFC 3339 (§5.6) UTC timestamp with
/// exactly three fraction digits: `2026-11-26T15:52:23.123Z`.
///
/// Written by hand, not with Foundation's date formatters: this runs once per request on the
/// writer thread, and a formatter brings locale, calendar and time-zone machinery (and
/// allocations) for what is pure integer arithmetic. The date conversion is Howard Hinnant's
/// `civil_from_days` (proleptic Gregorian calendar, exact for every day, leap years included;
/// http://howardhinnant.github.io/date_algorithms.html). Leap seconds do not occur: Unix time
/// has none.
package enum RFC3339Timestamp {
    /// 0000-01-01T00:00:00.000Z: RFC 3339 has four-digit years only.
    static let minimumMilliseconds: Int64 = -62_167_219_200_000
    /// 9999-12-31T23:59:59.999Z.
    static let maximumMilliseconds: Int64 = 253_402_300_799_999

    private static let millisecondsPerDay: Int64 = 86_400_000

    /// The civil date of a day count since 1970-01-01.
    static func civilDate(daysSinceEpoch days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468  // days since 0000-03-01
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097  // [0, 146096]
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365  // [0, 399]
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)  // [0, 365], from March 1
        let shiftedMonth = (5 * dayOfYear + 2) / 153  // [0, 11], March = 0
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1  // [1, 31]
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9  // [1, 12]
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    /// Appends the 24-byte timestamp for `milliseconds` (clamped to years 0000–9999) to `buffer`:
    /// the digits are written on the stack, each by division by a constant (a multiplication),
    /// and appended at once.
    package static func append<Output: JSONOutput>(milliseconds: Int64, to buffer: inout Output) {
        let clamped = min(max(milliseconds, Self.minimumMilliseconds), Self.maximumMilliseconds)
        // Floor division, so instants before 1970 land on the right day.
        var days = clamped / Self.millisecondsPerDay
        var inDay = clamped % Self.millisecondsPerDay
        if inDay < 0 {
            days -= 1
            inDay += Self.millisecondsPerDay
        }
        let date = Self.civilDate(daysSinceEpoch: days)
        let seconds = inDay / 1000
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { text in
            Self.putTwoDigits(date.year / 100, into: text, at: 0)
            Self.putTwoDigits(date.year % 100, into: text, at: 2)
            text[4] = UInt8(ascii: "-")
            Self.putTwoDigits(date.month, into: text, at: 5)
            text[7] = UInt8(ascii: "-")
            Self.putTwoDigits(date.day, into: text, at: 8)
            text[10] = UInt8(ascii: "T")
            Self.putTwoDigits(seconds / 3600, into: text, at: 11)
            text[13] = UInt8(ascii: ":")
            Self.putTwoDigits(seconds / 60 % 60, into: text, at: 14)
            text[16] = UInt8(ascii: ":")
            Self.putTwoDigits(seconds % 60, into: text, at: 17)
            text[19] = UInt8(ascii: ".")
            let fraction = inDay % 1000
            text[20] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: fraction / 100)
            Self.putTwoDigits(fraction % 100, into: text, at: 21)
            text[23] = UInt8(ascii: "Z")
            buffer.append(contentsOf: UnsafeBufferPointer(text))
        }
    }

    /// Writes `value` (0–99) as two digits at `offset`.
    @inline(__always)
    private static func putTwoDigits(_ value: Int64, into text: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
        text[offset] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value / 10)
        text[offset + 1] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value % 10)
    }

    /// The timestamp as a `String` (tests, diagnostics).
    static func string(milliseconds: Int64) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        Self.append(milliseconds: milliseconds, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
