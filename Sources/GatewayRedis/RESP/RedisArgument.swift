public import NIOCore

/// One argument of a command: text, an integer (sent as its decimal digits), or raw bytes. Every
/// one goes on the wire as a bulk string, so any byte may appear in it (keys built from a nonce
/// are binary-safe).
public struct RedisArgument: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    enum Base: Sendable, Hashable {
        case text(String)
        case integer(Int64)
        case bytes(ByteBuffer)
    }

    let base: Base

    public init(_ text: String) {
        self.base = .text(text)
    }

    public init(_ number: Int64) {
        self.base = .integer(number)
    }

    public init(_ number: Int) {
        self.base = .integer(Int64(number))
    }

    public init(_ bytes: ByteBuffer) {
        self.base = .bytes(bytes)
    }

    public init(stringLiteral value: String) {
        self.init(value)
    }

    public init(integerLiteral value: Int64) {
        self.init(value)
    }
}
