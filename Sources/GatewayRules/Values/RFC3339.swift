/// RFC 3339 timestamps (`expires = "2027-06-30T00:00:00Z"`), parsed by hand: Foundation's date
/// formatters are locale- and platform-dependent, and this module keeps Foundation out of its values.
enum RFC3339 {
    /// Seconds since 1970-01-01T00:00:00Z of an RFC 3339 §5.6 `date-time`: `YYYY-MM-DDTHH:MM:SS`, an
    /// optional fraction (ignored: expiry is kept to the second), then `Z` or `±HH:MM`. `t`, `z` and a
    /// space for `T` are accepted (§5.6 note). A leap second (`:60`) counts as the next second.
    static func secondsSince1970(_ text: String) throws(ValueError) -> Int64 {
        let bytes = Array(text.utf8)
        var reader = FieldReader(bytes: bytes)
        let year = try reader.number(digits: 4, "year")
        try reader.expect("-")
        let month = try reader.number(digits: 2, "month", in: 1...12)
        try reader.expect("-")
        let day = try reader.number(digits: 2, "day", in: 1...Self.daysIn(month: month, year: year))
        try reader.expect(["T", "t", " "], "\"T\" between date and time")
        let hour = try reader.number(digits: 2, "hour", in: 0...23)
        try reader.expect(":")
        let minute = try reader.number(digits: 2, "minute", in: 0...59)
        try reader.expect(":")
        let second = try reader.number(digits: 2, "second", in: 0...60)
        reader.skipFraction()
        let offset = try reader.offsetSeconds()
        guard reader.atEnd else { throw ValueError("unexpected text after the time zone") }
        let days = Self.daysSince1970(year: year, month: month, day: day)
        return Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offset)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days from 1970-01-01 to the given civil date (proleptic Gregorian), after Howard Hinnant's
    /// `days_from_civil`.
    static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

/// Reads the fixed-width fields of an RFC 3339 timestamp left to right.
private struct FieldReader {
    let bytes: [UInt8]
    var index = 0

    var atEnd: Bool { self.index == self.bytes.count }

    mutating func number(digits: Int, _ name: String, in range: ClosedRange<Int>? = nil) throws(ValueError) -> Int {
        let end = self.index + digits
        guard end <= self.bytes.count, let value = ASCII.decimal(self.bytes[self.index..<end]) else {
            throw ValueError("expected a \(digits)-digit \(name)")
        }
        if let range, !range.contains(value) {
            throw ValueError("\(name) must be from \(range.lowerBound) to \(range.upperBound)")
        }
        self.index = end
        return value
    }

    mutating func expect(_ character: Character) throws(ValueError) {
        try self.expect([character], "\"\(character)\"")
    }

    mutating func expect(_ characters: [Character], _ what: String) throws(ValueError) {
        guard self.index < self.bytes.count, characters.contains(Character(UnicodeScalar(self.bytes[self.index])))
        else { throw ValueError("expected \(what)") }
        self.index += 1
    }

    mutating func skipFraction() {
        guard self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: ".") else { return }
        self.index += 1
        while self.index < self.bytes.count, ASCII.isDigit(self.bytes[self.index]) { self.index += 1 }
    }

    /// `Z` → 0, `+HH:MM` / `-HH:MM` → the offset east of UTC in seconds.
    mutating func offsetSeconds() throws(ValueError) -> Int {
        guard self.index < self.bytes.count else {
            throw ValueError("missing time zone; end with \"Z\" or an offset such as \"+02:00\"")
        }
        let sign = self.bytes[self.index]
        self.index += 1
        switch sign {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            return 0
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let hours = try self.number(digits: 2, "offset hour", in: 0...23)
            try self.expect(":")
            let minutes = try self.number(digits: 2, "offset minute", in: 0...59)
            return (sign == UInt8(ascii: "-") ? -1 : 1) * (hours * 3600 + minutes * 60)
        default:
            throw ValueError("expected \"Z\" or an offset such as \"+02:00\"")
        }
    }
}
