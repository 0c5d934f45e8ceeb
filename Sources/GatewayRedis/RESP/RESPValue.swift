public import NIOCore

/// One RESP2 value, as the Redis server sends it ("Redis serialization protocol specification",
/// redis.io/docs/latest/develop/reference/protocol-spec, the RESP2 types).
///
/// Bulk strings are `ByteBuffer`s (binary-safe, sliced from the read buffer without a copy);
/// simple strings and errors are text by the protocol's definition (no CR or LF inside).
public enum RESPValue: Sendable, Hashable {
    /// `+OK\r\n`
    case simpleString(String)
    /// `-ERR message\r\n`: the server refused the command.
    case error(String)
    /// `:42\r\n`, a signed 64-bit integer.
    case integer(Int64)
    /// `$5\r\nhello\r\n`; nil is the null bulk string `$-1\r\n` (a missing key, `SET … NX` that
    /// did not set).
    case bulkString(ByteBuffer?)
    /// `*2\r\n…`; nil is the null array `*-1\r\n`.
    case array([RESPValue]?)

    /// The null bulk string.
    public static let null = RESPValue.bulkString(nil)

    /// The text of a simple or bulk string (bulk strings decoded as UTF-8, invalid bytes
    /// replaced); nil for other values and for nulls.
    public var string: String? {
        switch self {
        case .simpleString(let text): return text
        case .bulkString(let bytes?): return String(buffer: bytes)
        default: return nil
        }
    }

    /// The value of an integer reply.
    public var integer: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// Whether this is a null bulk string or a null array.
    public var isNull: Bool {
        switch self {
        case .bulkString(nil), .array(nil): return true
        default: return false
        }
    }
}
