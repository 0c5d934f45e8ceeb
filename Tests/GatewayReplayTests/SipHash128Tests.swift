import Testing

@testable import GatewayReplay

/// SipHash-2-4-128 against the reference implementation's `vectors_sip128` (key 00 01 … 0f,
/// message 00 01 … of growing length).
@Suite struct SipHash128Tests {
    static let k0: UInt64 = 0x0706_0504_0302_0100
    static let k1: UInt64 = 0x0f0e_0d0c_0b0a_0908

    static func digest(_ message: [UInt8], chunked: Bool = false) -> [UInt8] {
        var hasher = SipHash128(k0: k0, k1: k1)
        if chunked {
            for byte in message { hasher.update(byte) }
        } else {
            message.withUnsafeBytes { hasher.update($0) }
        }
        let (first, second) = hasher.finalize()
        return withUnsafeBytes(of: (first.littleEndian, second.littleEndian)) { Array($0) }
    }

    @Test(
        arguments: [
            (0, [0xa3, 0x81, 0x7f, 0x04, 0xba, 0x25, 0xa8, 0xe6, 0x6d, 0xf6, 0x72, 0x14, 0xc7, 0x55, 0x02, 0x93]),
            (1, [0xda, 0x87, 0xc1, 0xd8, 0x6b, 0x99, 0xaf, 0x44, 0x34, 0x76, 0x59, 0x11, 0x9b, 0x22, 0xfc, 0x45]),
            (2, [0x81, 0x77, 0x22, 0x8d, 0xa4, 0xa4, 0x5d, 0xc7, 0xfc, 0xa3, 0x8b, 0xde, 0xf6, 0x0a, 0xff, 0xe4]),
            (3, [0x9c, 0x70, 0xb6, 0x0c, 0x52, 0x67, 0xa9, 0x4e, 0x5f, 0x33, 0xb6, 0xb0, 0x29, 0x85, 0xed, 0x51]),
            (15, [0x54, 0x93, 0xe9, 0x99, 0x33, 0xb0, 0xa8, 0x11, 0x7e, 0x08, 0xec, 0x0f, 0x97, 0xcf, 0xc3, 0xd9]),
        ] as [(Int, [UInt8])]
    )
    func referenceVectors(length: Int, expected: [UInt8]) {
        let message = (0..<length).map { UInt8($0) }
        #expect(Self.digest(message) == expected)
        #expect(Self.digest(message, chunked: true) == expected)
    }

    /// Words and single bytes may be mixed: the digest depends on the bytes only.
    @Test func splitsDoNotMatter() {
        let message = (0..<100).map { UInt8($0 * 7 % 256) }
        let whole = Self.digest(message)
        for split in [1, 3, 8, 9, 63, 99] {
            var hasher = SipHash128(k0: Self.k0, k1: Self.k1)
            message[..<split].withUnsafeBytes { hasher.update($0) }
            message[split...].withUnsafeBytes { hasher.update($0) }
            let (first, second) = hasher.finalize()
            #expect(withUnsafeBytes(of: (first.littleEndian, second.littleEndian)) { Array($0) } == whole)
        }
    }
}
