extension CIDR {
    /// Parses `"10.0.0.0/8"`, `"2001:db8::/32"`, or a bare address (a single host: /32 or /128).
    ///
    /// Bits past the prefix are cleared, so `"10.1.2.3/8"` is stored as `10.0.0.0/8`.
    init(parsing text: String) throws(ValueError) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let addressText = parts[0]
        guard let address = IPAddress.parseV4(addressText) ?? IPAddress.parseV6(addressText) else {
            throw ValueError("\"\(addressText)\" is not an IPv4 or IPv6 address")
        }
        let bits = address.count * 8
        var prefixLength = bits
        if parts.count == 2 {
            guard let length = ASCII.decimal(parts[1].utf8, limit: bits) else {
                throw ValueError("prefix length must be a number from 0 to \(bits)")
            }
            prefixLength = length
        }
        self.init(address: Self.masked(address, prefixLength), prefixLength: prefixLength)
    }

    /// `address` with every bit past the first `prefixLength` cleared.
    private static func masked(_ address: [UInt8], _ prefixLength: Int) -> [UInt8] {
        var result = address
        for index in result.indices {
            let kept = max(0, min(8, prefixLength - index * 8))
            result[index] &= kept == 0 ? 0 : UInt8(truncatingIfNeeded: 0xff << (8 - kept))
        }
        return result
    }
}
