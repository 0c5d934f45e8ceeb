import Testing

@testable import GatewayRules

/// `Duration(rulesText:)` and `ByteSize.parse`: the value syntax of SPEC §2.
struct DurationAndSizeTests {
    @Test(arguments: [
        ("250ms", Duration.milliseconds(250)), ("30s", .seconds(30)), ("5m", .seconds(300)), ("1h", .seconds(3600)),
        ("1m30s", .seconds(90)), ("1h0m5s", .seconds(3605)), ("0s", .zero), ("2s500ms", .milliseconds(2500)),
    ])
    func durationsParse(text: String, expected: Duration) throws {
        #expect(try Duration(rulesText: text) == expected)
    }

    @Test(arguments: [
        ("", "empty duration; write e.g. \"30s\""),
        ("30", "missing unit; use ms, s, m or h, as in \"30s\""),
        ("-5s", "negative durations are not allowed"),
        ("1.5s", "fractions are not allowed; use a smaller unit, as in \"1500ms\""),
        ("5d", "unknown unit \"d\"; use ms, s, m or h"),
        ("30s1m", "units must go from largest to smallest, each once, as in \"1m30s\""),
        ("1s1s", "units must go from largest to smallest, each once, as in \"1m30s\""),
        ("99999999999999999999s", "too large"),
        ("9999999999999999h", "too large"),
        (" 5s", "expected a whole number followed by ms, s, m or h"),
    ])
    func badDurationsSayWhy(text: String, message: String) {
        #expect(throws: ValueError(message)) { try Duration(rulesText: text) }
    }

    @Test(arguments: [
        ("512B", 512), ("16KiB", 16_384), ("10MiB", 10_485_760), ("1GiB", 1_073_741_824), ("4 KiB", 4096),
    ])
    func sizesParse(text: String, expected: Int) throws {
        #expect(try ByteSize.parse(text) == expected)
    }

    @Test(arguments: [
        ("10MB", "unknown unit \"MB\"; use B, KiB, MiB or GiB (did you mean \"MiB\"?)"),
        ("16kib", "unknown unit \"kib\"; use B, KiB, MiB or GiB (did you mean \"KiB\"?)"),
        ("16", "missing unit; use B, KiB, MiB or GiB, or write an integer"),
        ("-1KiB", "sizes cannot be negative"),
        ("KiB", "expected a whole number followed by B, KiB, MiB or GiB, as in \"16KiB\""),
        ("99999999999GiB", "too large"),
    ])
    func badSizesSayWhy(text: String, message: String) {
        #expect(throws: ValueError(message)) { try ByteSize.parse(text) }
    }
}
