/// Makes `X-Request-Id` values: unique, cheap, and free of any request data.
///
/// One generator per event loop: a random 64-bit prefix chosen at start and a counter, so an id
/// costs no system call and no lock.
struct RequestIDGenerator {
    private let prefix: String
    private var counter: UInt64 = 0

    init() {
        var generator = SystemRandomNumberGenerator()
        self.prefix = Self.hex(generator.next(), digits: 16)
    }

    mutating func next() -> String {
        self.counter &+= 1
        return self.prefix + Self.hex(self.counter, digits: 12)
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

    private static func hex(_ value: UInt64, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.utf8.count)) + text
    }
}
