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

    /// Appends the 24-byte timestamp for `milliseconds` (clamped to years 0000–9999) to `buffer`.
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
        Self.appendDigits(date.year, count: 4, to: &buffer)
        buffer.append(UInt8(ascii: "-"))
        Self.appendDigits(date.month, count: 2, to: &buffer)
        buffer.append(UInt8(ascii: "-"))
        Self.appendDigits(date.day, count: 2, to: &buffer)
        buffer.append(UInt8(ascii: "T"))
        Self.appendDigits(inDay / 3_600_000, count: 2, to: &buffer)
        buffer.append(UInt8(ascii: ":"))
        Self.appendDigits(inDay / 60_000 % 60, count: 2, to: &buffer)
        buffer.append(UInt8(ascii: ":"))
        Self.appendDigits(inDay / 1000 % 60, count: 2, to: &buffer)
        buffer.append(UInt8(ascii: "."))
        Self.appendDigits(inDay % 1000, count: 3, to: &buffer)
        buffer.append(UInt8(ascii: "Z"))
    }

    /// The timestamp as a `String` (tests, diagnostics).
    static func string(milliseconds: Int64) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        Self.append(milliseconds: milliseconds, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `value` (0 ≤ value < 10^count) zero-padded to `count` digits.
    private static func appendDigits<Output: JSONOutput>(_ value: Int64, count: Int, to buffer: inout Output) {
        var divisor: Int64 = 1
        for _ in 1..<count { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            buffer.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }
}
