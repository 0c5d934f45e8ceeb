/// An IPv4 or IPv6 network in CIDR notation (`"10.0.0.0/8"`, `"::1/128"`, or a bare address).
public struct CIDR: Sendable, Hashable, CustomStringConvertible {
    /// Network address bytes: 4 for IPv4, 16 for IPv6.
    public var address: [UInt8]
    /// Prefix length in bits.
    public var prefixLength: Int

    public init(address: [UInt8], prefixLength: Int) {
        precondition(address.count == 4 || address.count == 16)
        precondition(prefixLength >= 0 && prefixLength <= address.count * 8)
        self.address = address
        self.prefixLength = prefixLength
    }

    /// Whether `bytes` (4 or 16 address bytes) lies in this network. An IPv4-mapped IPv6
    /// address (`::ffff:a.b.c.d`) is compared as IPv4.
    public func contains(_ bytes: [UInt8]) -> Bool {
        var candidate = bytes
        if candidate.count == 16, self.address.count == 4,
            candidate[0..<10].allSatisfy({ $0 == 0 }), candidate[10] == 0xff, candidate[11] == 0xff
        {
            candidate = Array(candidate[12..<16])
        }
        guard candidate.count == self.address.count else { return false }
        var remaining = self.prefixLength
        for index in 0..<candidate.count where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xff << (8 - bits))
            if candidate[index] & mask != self.address[index] & mask { return false }
            remaining -= bits
        }
        return true
    }

    public var description: String {
        let text: String
        if self.address.count == 4 {
            text = self.address.map(String.init).joined(separator: ".")
        } else {
            text = stride(from: 0, to: 16, by: 2).map {
                String(UInt16(self.address[$0]) << 8 | UInt16(self.address[$0 + 1]), radix: 16)
            }.joined(separator: ":")
        }
        return "\(text)/\(self.prefixLength)"
    }
}
