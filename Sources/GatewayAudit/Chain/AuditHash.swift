import Crypto

/// A link of the audit hash chain (SPEC §5): a SHA-256 digest (FIPS 180-4), written in records as
/// 64 lowercase hex digits.
///
/// Held as four big-endian words rather than an array, so the writer handles one per record
/// without allocating.
public struct AuditHash: Sendable, Hashable, CustomStringConvertible {
    private var word0: UInt64
    private var word1: UInt64
    private var word2: UInt64
    private var word3: UInt64

    /// 64 zeros: the `prev` of a chain's first record.
    public static let zero = AuditHash(word0: 0, word1: 0, word2: 0, word3: 0)

    private init(word0: UInt64, word1: UInt64, word2: UInt64, word3: UInt64) {
        self.word0 = word0
        self.word1 = word1
        self.word2 = word2
        self.word3 = word3
    }

    /// Parses exactly 64 lowercase hex digits, the only form a record holds; `nil` otherwise.
    public init?(hex: some StringProtocol) {
        var hash = AuditHash.zero
        var count = 0
        for byte in hex.utf8 {
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            default: return nil
            }
            guard count < 64 else { return nil }
            hash.shiftIn(UInt64(nibble), bits: 4, word: count / 16)
            count += 1
        }
        guard count == 64 else { return nil }
        self = hash
    }

    /// Appends `bits` bits of `value` to the low end of word `word` (0...3); no array, no allocation.
    private mutating func shiftIn(_ value: UInt64, bits: UInt64, word: Int) {
        switch word {
        case 0: self.word0 = self.word0 << bits | value
        case 1: self.word1 = self.word1 << bits | value
        case 2: self.word2 = self.word2 << bits | value
        default: self.word3 = self.word3 << bits | value
        }
    }

    /// The SHA-256 digest of `bytes`.
    static func sha256(of bytes: UnsafeRawBufferPointer) -> AuditHash {
        var hasher = SHA256()
        hasher.update(bufferPointer: bytes)
        var hash = AuditHash.zero
        for (index, byte) in hasher.finalize().enumerated() {
            hash.shiftIn(UInt64(byte), bits: 8, word: index / 8)
        }
        return hash
    }

    /// The SHA-256 digest of `bytes`.
    static func sha256(of bytes: [UInt8]) -> AuditHash {
        bytes.withUnsafeBytes { Self.sha256(of: $0) }
    }

    /// Appends the 64 lowercase hex digits (no quotes) to `buffer`.
    func appendHex<Output: JSONOutput>(to buffer: inout Output) {
        var words = (self.word0.bigEndian, self.word1.bigEndian, self.word2.bigEndian, self.word3.bigEndian)
        withUnsafeBytes(of: &words) { CanonicalJSON.appendHex($0, to: &buffer) }
    }

    /// 64 lowercase hex digits.
    public var hex: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64)
        self.appendHex(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    public var description: String { self.hex }
}
