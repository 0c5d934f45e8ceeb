extension Duration {
    /// The units a rules-file duration may use, largest first, in milliseconds.
    private static let rulesUnits: [(name: String, milliseconds: Int64)] = [
        ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1),
    ]

    /// Parses a rules-file duration (SPEC §2): a whole number and a unit, `ms`, `s`, `m` or `h`, as in
    /// `"250ms"`, `"30s"`, `"5m"`, `"1h"`.
    ///
    /// Units may be combined, largest first and each once: `"1m30s"`, `"1h30m"`. Empty text, a missing
    /// or unknown unit, a sign, a fraction and values beyond `Int64` milliseconds are refused. Zero
    /// (`"0s"`) parses; callers that need a positive duration check that themselves.
    init(rulesText text: String) throws(ValueError) {
        guard !text.isEmpty else { throw ValueError("empty duration; write e.g. \"30s\"") }
        let bytes = Array(text.utf8)
        var index = 0
        var total: Int64 = 0
        var previousRank = -1
        while index < bytes.count {
            let number = try Self.readNumber(bytes, &index)
            let unit = try Self.readUnit(bytes, &index)
            guard unit.rank > previousRank else {
                throw ValueError("units must go from largest to smallest, each once, as in \"1m30s\"")
            }
            previousRank = unit.rank
            let (product, overflow) = number.multipliedReportingOverflow(by: unit.milliseconds)
            let (sum, sumOverflow) = total.addingReportingOverflow(product)
            guard !overflow, !sumOverflow else { throw ValueError("too large") }
            total = sum
        }
        self = .milliseconds(total)
    }

    /// Reads the digits at `index`; refuses signs and fractions with a message saying why.
    private static func readNumber(_ bytes: [UInt8], _ index: inout Int) throws(ValueError) -> Int64 {
        let start = index
        var value: Int64 = 0
        while index < bytes.count, let digit = ASCII.digitValue(bytes[index]) {
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, sumOverflow) = shifted.addingReportingOverflow(Int64(digit))
            guard !overflow, !sumOverflow else { throw ValueError("too large") }
            value = sum
            index += 1
        }
        guard index > start else {
            switch bytes[index] {
            case UInt8(ascii: "-"): throw ValueError("negative durations are not allowed")
            case UInt8(ascii: "+"): throw ValueError("write the number without a sign")
            default: throw ValueError("expected a whole number followed by ms, s, m or h")
            }
        }
        return value
    }

    /// Reads the unit letters at `index` and returns the unit's rank (0 = hours) and size.
    private static func readUnit(
        _ bytes: [UInt8],
        _ index: inout Int
    ) throws(ValueError) -> (rank: Int, milliseconds: Int64) {
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            throw ValueError("fractions are not allowed; use a smaller unit, as in \"1500ms\"")
        }
        let start = index
        while index < bytes.count, ASCII.isLetter(bytes[index]) { index += 1 }
        let name = String(decoding: bytes[start..<index], as: UTF8.self)
        guard !name.isEmpty else {
            throw ValueError("missing unit; use ms, s, m or h, as in \"30s\"")
        }
        guard let rank = Self.rulesUnits.firstIndex(where: { $0.name == name }) else {
            throw ValueError("unknown unit \"\(name)\"; use ms, s, m or h")
        }
        return (rank, Self.rulesUnits[rank].milliseconds)
    }
}
