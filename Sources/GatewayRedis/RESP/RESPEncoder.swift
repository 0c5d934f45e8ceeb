public import NIOCore

/// Writes RESP2 ("Redis serialization protocol specification", redis.io): commands as arrays of
/// bulk strings, which is how a client must send them, and any value (for tests and fakes).
public enum RESPEncoder {
    private static let crlf: StaticString = "\r\n"

    /// Writes `value` in its RESP2 form. Simple strings and errors must not hold CR or LF (the
    /// protocol has no escape for them); they are written as given.
    public static func encode(_ value: RESPValue, into buffer: inout ByteBuffer) {
        switch value {
        case .simpleString(let text):
            buffer.writeInteger(UInt8(ascii: "+"))
            buffer.writeString(text)
            buffer.writeStaticString(Self.crlf)
        case .error(let text):
            buffer.writeInteger(UInt8(ascii: "-"))
            buffer.writeString(text)
            buffer.writeStaticString(Self.crlf)
        case .integer(let number):
            Self.writeHeader(UInt8(ascii: ":"), number, into: &buffer)
        case .bulkString(nil):
            buffer.writeStaticString("$-1\r\n")
        case .bulkString(let bytes?):
            Self.writeHeader(UInt8(ascii: "$"), Int64(bytes.readableBytes), into: &buffer)
            buffer.writeImmutableBuffer(bytes)
            buffer.writeStaticString(Self.crlf)
        case .array(nil):
            buffer.writeStaticString("*-1\r\n")
        case .array(let elements?):
            Self.writeHeader(UInt8(ascii: "*"), Int64(elements.count), into: &buffer)
            for element in elements { Self.encode(element, into: &buffer) }
        }
    }

    /// Writes a command: an array of bulk strings (RESP2 "Sending commands to a Redis server").
    public static func encodeCommand(_ arguments: [RedisArgument], into buffer: inout ByteBuffer) {
        Self.writeHeader(UInt8(ascii: "*"), Int64(arguments.count), into: &buffer)
        for argument in arguments {
            switch argument.base {
            case .text(let text):
                Self.writeHeader(UInt8(ascii: "$"), Int64(text.utf8.count), into: &buffer)
                buffer.writeString(text)
            case .integer(let number):
                // The decimal digits, as a bulk string: Redis parses integers from them.
                let digits = String(number)
                Self.writeHeader(UInt8(ascii: "$"), Int64(digits.utf8.count), into: &buffer)
                buffer.writeString(digits)
            case .bytes(let bytes):
                Self.writeHeader(UInt8(ascii: "$"), Int64(bytes.readableBytes), into: &buffer)
                buffer.writeImmutableBuffer(bytes)
            }
            buffer.writeStaticString(Self.crlf)
        }
    }

    /// `<type><decimal>\r\n`.
    private static func writeHeader(_ type: UInt8, _ number: Int64, into buffer: inout ByteBuffer) {
        buffer.writeInteger(type)
        Self.writeDecimal(number, into: &buffer)
        buffer.writeStaticString(Self.crlf)
    }

    /// The decimal digits of `number` (a String of up to 15 bytes is stored inline: no allocation
    /// for the lengths and counts of commands).
    private static func writeDecimal(_ number: Int64, into buffer: inout ByteBuffer) {
        buffer.writeString(String(number))
    }
}
