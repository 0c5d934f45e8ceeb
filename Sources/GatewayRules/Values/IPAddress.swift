/// Textual IPv4 and IPv6 addresses, parsed by hand (no maintained package parses them without
/// bringing in networking, which this module must not import).
enum IPAddress {
    /// Parses dotted-quad IPv4 (`"10.0.0.1"`) into 4 bytes; nil if not exactly that.
    static func parseV4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard part.count <= 3, let value = ASCII.decimal(part.utf8, limit: 255) else { return nil }
            bytes.append(UInt8(value))
        }
        return bytes
    }

    /// Parses IPv6 text (RFC 4291 §2.2: `::` compression, an embedded IPv4 tail) into 16 bytes;
    /// nil if invalid. Zone identifiers (`%eth0`) are not accepted.
    static func parseV6(_ text: Substring) -> [UInt8]? {
        let halves = text.split(separator: "::", maxSplits: 2, omittingEmptySubsequences: false)
        switch halves.count {
        case 1:
            guard let groups = self.groups(halves[0]), groups.count == 16 else { return nil }
            return groups
        case 2:
            guard let head = self.groups(halves[0]), let tail = self.groups(halves[1]) else { return nil }
            guard head.count + tail.count <= 14 else { return nil }
            return head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail
        default:
            return nil
        }
    }

    /// The bytes of colon-separated hex groups, the last of which may be dotted IPv4.
    private static func groups(_ text: Substring) -> [UInt8]? {
        guard !text.isEmpty else { return [] }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        var bytes: [UInt8] = []
        for (index, part) in parts.enumerated() {
            if index == parts.count - 1, part.contains(".") {
                guard let v4 = self.parseV4(part) else { return nil }
                bytes += v4
            } else {
                guard (1...4).contains(part.utf8.count) else { return nil }
                var value: UInt16 = 0
                for byte in part.utf8 {
                    guard let digit = HexDigit.value(byte) else { return nil }
                    value = value << 4 | UInt16(digit)
                }
                bytes += [UInt8(value >> 8), UInt8(value & 0xff)]
            }
        }
        return bytes
    }
}
