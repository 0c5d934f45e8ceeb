extension RateLimitRule {
    private static let periods: [(unit: String, period: Duration)] = [
        ("s", .seconds(1)), ("m", .seconds(60)), ("h", .seconds(3600)),
    ]

    /// Parses `"100/s"`, `"600/m"` or `"5000/h"` (the count at least 1); `burst` defaults to the count.
    init(parsing text: String, burst: Int?) throws(ValueError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let period = Self.periods.first(where: { $0.unit == parts[1] })?.period else {
            throw ValueError("expected COUNT/s, COUNT/m or COUNT/h, as in \"100/s\"")
        }
        guard let count = ASCII.decimal(parts[0].utf8), count >= 1 else {
            throw ValueError("the count must be a whole number of at least 1")
        }
        self.init(count: count, period: period, burst: burst)
    }
}
