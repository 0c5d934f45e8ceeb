/// Sizes in the rules file (SPEC §2): an integer number of bytes, or a string with a binary unit.
enum ByteSize {
    private static let units: [(name: String, factor: Int)] = [
        ("B", 1), ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30),
    ]

    /// Parses `"512B"`, `"16KiB"`, `"10MiB"`, `"1GiB"` (a space before the unit is allowed). Decimal
    /// units such as `KB` are refused with a hint, so nobody gets 1000 where they meant 1024.
    static func parse(_ text: String) throws(ValueError) -> Int {
        let bytes = Array(text.utf8)
        let digitsEnd = bytes.firstIndex { !ASCII.isDigit($0) } ?? bytes.count
        guard digitsEnd > 0 else {
            if bytes.first == UInt8(ascii: "-") { throw ValueError("sizes cannot be negative") }
            throw ValueError("expected a whole number followed by B, KiB, MiB or GiB, as in \"16KiB\"")
        }
        guard let number = ASCII.decimal(bytes[..<digitsEnd]) else { throw ValueError("too large") }
        let unit = String(decoding: bytes[digitsEnd...], as: UTF8.self).drop { $0 == " " }
        guard !unit.isEmpty else { throw ValueError("missing unit; use B, KiB, MiB or GiB, or write an integer") }
        guard let factor = Self.units.first(where: { $0.name == unit })?.factor else {
            throw ValueError("unknown unit \"\(unit)\"; use B, KiB, MiB or GiB\(Self.hint(for: String(unit)))")
        }
        let (size, overflow) = number.multipliedReportingOverflow(by: factor)
        guard !overflow else { throw ValueError("too large") }
        return size
    }

    /// A hint for decimal or lower-case units (`KB`, `mb`, `kib`, `k`).
    private static func hint(for unit: String) -> String {
        let lowered = unit.lowercased()
        for (name, _) in Self.units where name != "B" {
            let letter = name.prefix(1).lowercased()
            if [letter, letter + "b", letter + "ib"].contains(lowered) {
                return " (did you mean \"\(name)\"?)"
            }
        }
        return lowered == "b" ? " (did you mean \"B\"?)" : ""
    }
}
