/// Makes `X-Request-Id` values: unique, cheap, and free of any request data.
///
/// One generator per event loop: a random 64-bit prefix chosen at start and a counter, so an id
/// costs no system call and no lock.
struct RequestIDGenerator {
    /// 16 hex digits chosen at start, as the bytes they are written with.
    private let prefixDigits: (UInt64, UInt64)
    private var counter: UInt64 = 0

    init() {
        var generator = SystemRandomNumberGenerator()
        let prefix: UInt64 = generator.next()
        var digits: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &digits) { Self.writeHex(prefix, digits: 16, into: $0.bindMemory(to: UInt8.self)) }
        self.prefixDigits = digits
    }

    /// 28 hex digits: the prefix's 16 (copied), then the counter's low 48 bits. One allocation.
    mutating func next() -> String {
        self.counter &+= 1
        let digits = self.prefixDigits
        let counter = self.counter
        return String(unsafeUninitializedCapacity: 28) { buffer in
            withUnsafeBytes(of: digits) { UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[0..<16])).copyMemory(from: $0) }
            Self.writeHex(counter, digits: 12, into: UnsafeMutableBufferPointer(rebasing: buffer[16..<28]))
            return 28
        }
    }

    private static func writeHex(_ value: UInt64, digits: Int, into buffer: UnsafeMutableBufferPointer<UInt8>) {
        let alphabet: StaticString = "0123456789abcdef"
        var value = value
        for index in stride(from: digits - 1, through: 0, by: -1) {
            buffer[index] = alphabet.utf8Start[Int(value & 0xF)]
            value >>= 4
        }
    }

    /// Whether an incoming `X-Request-Id` is kept: 1–128 of `[A-Za-z0-9._-]` (SPEC §3).
    static func isAcceptable(_ id: String) -> Bool {
        var id = id
        return id.withUTF8 { Self.isAcceptable(UnsafeRawBufferPointer($0)) }
    }

    /// Whether an incoming `X-Request-Id` value is kept, read as bytes.
    static func isAcceptable(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard (1...128).contains(bytes.count) else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
    }
}
