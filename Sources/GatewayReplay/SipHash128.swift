/// SipHash-2-4 with its 128-bit output (Aumasson and Bernstein, "SipHash: a fast short-input
/// PRF", 2012; the reference implementation's `vectors_sip128` are the tests).
///
/// Written by hand: swift-crypto has no SipHash, and the standard library's `Hasher` (SipHash-1-3)
/// gives 64 bits and no way to choose its key. The memory nonce store keeps a keyed digest of
/// each nonce instead of the nonce, so every entry has the same small size.
struct SipHash128 {
    private var v0: UInt64
    private var v1: UInt64
    private var v2: UInt64
    private var v3: UInt64
    /// Bytes not yet compressed, little-endian in the low `pendingCount * 8` bits.
    private var pending: UInt64 = 0
    private var pendingCount = 0
    private var length = 0

    init(k0: UInt64, k1: UInt64) {
        self.v0 = k0 ^ 0x736f_6d65_7073_6575
        // 0xee: the 128-bit variant's domain separation.
        self.v1 = k1 ^ 0x646f_7261_6e64_6f6d ^ 0xee
        self.v2 = k0 ^ 0x6c79_6765_6e65_7261
        self.v3 = k1 ^ 0x7465_6462_7974_6573
    }

    @inline(__always)
    private static func round(_ v0: inout UInt64, _ v1: inout UInt64, _ v2: inout UInt64, _ v3: inout UInt64) {
        v0 &+= v1
        v1 = v1.rotatedLeft(13)
        v1 ^= v0
        v0 = v0.rotatedLeft(32)
        v2 &+= v3
        v3 = v3.rotatedLeft(16)
        v3 ^= v2
        v0 &+= v3
        v3 = v3.rotatedLeft(21)
        v3 ^= v0
        v2 &+= v1
        v1 = v1.rotatedLeft(17)
        v1 ^= v2
        v2 = v2.rotatedLeft(32)
    }

    @inline(__always)
    private mutating func compress(_ m: UInt64) {
        self.v3 ^= m
        Self.round(&self.v0, &self.v1, &self.v2, &self.v3)
        Self.round(&self.v0, &self.v1, &self.v2, &self.v3)
        self.v0 ^= m
    }

    @inline(__always)
    mutating func update(_ byte: UInt8) {
        self.pending |= UInt64(byte) << (UInt64(self.pendingCount) &* 8)
        self.pendingCount &+= 1
        self.length &+= 1
        if self.pendingCount == 8 {
            self.compress(self.pending)
            self.pending = 0
            self.pendingCount = 0
        }
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var index = 0
        let count = bytes.count
        // Fill the pending word first, then whole words straight from the buffer.
        while self.pendingCount != 0, index < count {
            self.update(bytes[index])
            index &+= 1
        }
        while count &- index >= 8 {
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            self.compress(word)
            self.length &+= 8
            index &+= 8
        }
        while index < count {
            self.update(bytes[index])
            index &+= 1
        }
    }

    mutating func update(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { self.update($0) }
    }

    mutating func update(_ text: String) {
        var text = text
        text.withUTF8 { self.update(UnsafeRawBufferPointer($0)) }
    }

    /// The 16 output bytes as two little-endian words: bytes 0–7 and 8–15.
    mutating func finalize() -> (UInt64, UInt64) {
        let last = UInt64(truncatingIfNeeded: self.length) << 56 | self.pending
        self.compress(last)
        self.v2 ^= 0xee
        for _ in 0..<4 { Self.round(&self.v0, &self.v1, &self.v2, &self.v3) }
        let first = self.v0 ^ self.v1 ^ self.v2 ^ self.v3
        self.v1 ^= 0xdd
        for _ in 0..<4 { Self.round(&self.v0, &self.v1, &self.v2, &self.v3) }
        let second = self.v0 ^ self.v1 ^ self.v2 ^ self.v3
        return (first, second)
    }
}

extension UInt64 {
    @inline(__always)
    fileprivate func rotatedLeft(_ count: UInt64) -> UInt64 {
        (self << count) | (self >> (64 &- count))
    }
}
