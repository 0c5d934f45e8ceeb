import Foundation
import Testing

@testable import GatewayAudit

@Suite("RFC3339Timestamp: ts from milliseconds, by hand")
struct RFC3339TimestampTests {
    @Test(
        "known instants",
        arguments: [
            (Int64(0), "1970-01-01T00:00:00.000Z"),
            (1, "1970-01-01T00:00:00.001Z"),
            (10, "1970-01-01T00:00:00.010Z"),
            (999, "1970-01-01T00:00:00.999Z"),
            (1_795_708_343_123, "2026-11-26T15:52:23.123Z"),
            (951_782_400_000, "2000-02-29T00:00:00.000Z"),  // divisible by 400: leap
            (951_868_799_999, "2000-02-29T23:59:59.999Z"),
            (1_709_164_800_005, "2024-02-29T00:00:00.005Z"),  // divisible by 4: leap
            (4_107_456_000_000, "2100-02-28T00:00:00.000Z"),  // divisible by 100: not leap
            (4_107_542_400_000, "2100-03-01T00:00:00.000Z"),
            (1_735_689_599_999, "2024-12-31T23:59:59.999Z"),  // day 366 of a leap year
            (-1, "1969-12-31T23:59:59.999Z"),
            (-86_400_000, "1969-12-31T00:00:00.000Z"),
            (-2_208_988_800_000, "1900-01-01T00:00:00.000Z"),
            (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
            (Int64.max, "9999-12-31T23:59:59.999Z"),  // clamped: four-digit years only
            (Int64.min, "0000-01-01T00:00:00.000Z"),
        ]
    )
    func knownInstants(milliseconds: Int64, expected: String) {
        #expect(RFC3339Timestamp.string(milliseconds: milliseconds) == expected)
    }

    @Test("agrees with Foundation's Gregorian calendar on 20,000 instants from 1600 to 2500")
    func agreesWithFoundation() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var generator = SystemRandomNumberGenerator()
        let low: Int64 = -11_676_096_000_000  // 1600-01-01
        let high: Int64 = 16_725_225_600_000  // 2500-01-01
        for _ in 0..<20_000 {
            let milliseconds = Int64.random(in: low...high, using: &generator)
            let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
            let date = Date(timeIntervalSince1970: TimeInterval(seconds))
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            let expected = String(
                format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                parts.year!,
                parts.month!,
                parts.day!,
                parts.hour!,
                parts.minute!,
                parts.second!,
                Int(milliseconds - seconds * 1000)
            )
            let actual = RFC3339Timestamp.string(milliseconds: milliseconds)
            #expect(actual == expected, "\(milliseconds)")
            if actual != expected { return }
        }
    }
}
