import GatewayTestSupport
import NIOCore
import Testing

@testable import GatewayRedis

/// RESP2 encoding and incremental decoding: exact bytes, every type, round trips of random values
/// fed in random pieces (fixed seeds), and the limits that keep a hostile server from making us
/// allocate.
@Suite struct RESPCodecTests {
    static func bytes(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    static func decodeAll(_ text: String, limits: RESPDecoder.Limits = RESPDecoder.Limits()) throws -> [RESPValue] {
        var decoder = RESPDecoder(limits: limits)
        var buffer = Self.bytes(text)
        var values: [RESPValue] = []
        while let value = try decoder.next(from: &buffer) { values.append(value) }
        #expect(buffer.readableBytes == 0)
        return values
    }

    @Test func commandsAreArraysOfBulkStrings() {
        var buffer = ByteBuffer()
        RESPEncoder.encodeCommand(["SET", "gw:nonce:signature:bot:n-1", "1", "NX", "PX", 301_000], into: &buffer)
        #expect(
            String(buffer: buffer)
                == "*6\r\n$3\r\nSET\r\n$26\r\ngw:nonce:signature:bot:n-1\r\n$1\r\n1\r\n$2\r\nNX\r\n$2\r\nPX\r\n$6\r\n301000\r\n"
        )
        let command = RedisCommand("GET", ["k\r\n\u{0}é"])
        #expect(String(buffer: command.bytes) == "*2\r\n$3\r\nGET\r\n$6\r\nk\r\n\u{0}é\r\n")
        #expect(command.name == "GET")
        var negative = ByteBuffer()
        RESPEncoder.encodeCommand([RedisArgument(-42), RedisArgument(ByteBuffer(bytes: [0xFF, 0x00]))], into: &negative)
        #expect(Array(buffer: negative) == Array("*2\r\n$3\r\n-42\r\n$2\r\n".utf8) + [0xFF, 0x00] + Array("\r\n".utf8))
    }

    @Test func everyTypeDecodes() throws {
        let values = try Self.decodeAll(
            "+OK\r\n-NOSCRIPT No matching script.\r\n:42\r\n:-7\r\n$5\r\nhe\r\no\r\n$0\r\n\r\n$-1\r\n*-1\r\n*0\r\n"
                + "*4\r\n:1\r\n:0\r\n:250000\r\n*2\r\n+a\r\n$-1\r\n"
        )
        #expect(
            values == [
                .simpleString("OK"), .error("NOSCRIPT No matching script."), .integer(42), .integer(-7),
                .bulkString(Self.bytes("he\r\no")), .bulkString(Self.bytes("")), .null, .array(nil), .array([]),
                .array([.integer(1), .integer(0), .integer(250_000), .array([.simpleString("a"), .null])]),
            ]
        )
        #expect(values[4].string == "he\r\no")
        #expect(values[0].string == "OK")
        #expect(values[2].integer == 42)
        #expect(values[6].isNull && values[7].isNull && !values[8].isNull)
    }

    /// Pieces consumed as they complete: a reply split anywhere decodes once, and bytes already
    /// parsed are not kept in the buffer.
    @Test func partialInputIsConsumedAsItCompletes() throws {
        var decoder = RESPDecoder()
        var buffer = Self.bytes("*2\r\n$5\r\nhel")
        #expect(try decoder.next(from: &buffer) == nil)
        #expect(String(buffer: buffer) == "hel")  // the array and bulk headers are consumed
        #expect(decoder.isMidReply)
        buffer.writeString("lo\r\n:1")
        #expect(try decoder.next(from: &buffer) == nil)
        buffer.writeString("\r")
        #expect(try decoder.next(from: &buffer) == nil)
        buffer.writeString("\n+next\r\n")
        #expect(try decoder.next(from: &buffer) == .array([.bulkString(Self.bytes("hello")), .integer(1)]))
        #expect(!decoder.isMidReply)
        #expect(try decoder.next(from: &buffer) == .simpleString("next"))
    }

    /// Random values, encoded back to back, fed in random pieces: the same values come out, in
    /// order, whatever the split (fixed seeds, so a failure reproduces).
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8])
    func randomValuesSurviveRandomSplits(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        var values: [RESPValue] = []
        var stream = ByteBuffer()
        for _ in 0..<300 {
            let value = Self.randomValue(&random, depth: 0)
            values.append(value)
            RESPEncoder.encode(value, into: &stream)
        }
        for round in 0..<20 {
            var decoder = RESPDecoder()
            var input = stream
            var pending = ByteBuffer()
            var decoded: [RESPValue] = []
            while input.readableBytes > 0 {
                let size = Int(random.next() % UInt64(round.isMultiple(of: 2) ? 8 : 200)) + 1
                var piece = input.readSlice(length: min(size, input.readableBytes))!
                pending.writeBuffer(&piece)
                while let value = try decoder.next(from: &pending) { decoded.append(value) }
            }
            #expect(decoded == values, "seed \(seed) round \(round)")
            #expect(pending.readableBytes == 0)
        }
    }

    /// Every single byte position as a split point of one reply.
    @Test func everySplitPointOfOneReply() throws {
        let reply: RESPValue = .array([
            .integer(1), .bulkString(Self.bytes("x\r\ny")), .array([.simpleString("OK"), .error("ERR e")]), .null,
            .array(nil), .array([]), .integer(.min), .integer(.max),
        ])
        var encoded = ByteBuffer()
        RESPEncoder.encode(reply, into: &encoded)
        let bytes = Array(buffer: encoded)
        for split in 0...bytes.count {
            var decoder = RESPDecoder()
            var buffer = ByteBuffer(bytes: bytes[..<split])
            let early = try decoder.next(from: &buffer)
            buffer.writeBytes(bytes[split...])
            let value = try early ?? decoder.next(from: &buffer)
            #expect(value == reply, "split at \(split)")
        }
    }

    static func randomValue(_ random: inout SplitMix64, depth: Int) -> RESPValue {
        switch random.next() % (depth < 3 ? 7 : 5) {
        case 0: return .simpleString(Self.randomText(&random, lineSafe: true))
        case 1: return .error("ERR " + Self.randomText(&random, lineSafe: true))
        case 2: return .integer(Int64(bitPattern: random.next()) >> (random.next() % 64))
        case 3: return .null
        case 4:
            let count = Int(random.next() % 40)
            return .bulkString(ByteBuffer(bytes: (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }))
        case 5: return .array(nil)
        default:
            let count = Int(random.next() % 5)
            return .array((0..<count).map { _ in Self.randomValue(&random, depth: depth + 1) })
        }
    }

    static func randomText(_ random: inout SplitMix64, lineSafe: Bool) -> String {
        let alphabet = Array("abcXYZ019 :-_é")
        let count = Int(random.next() % 12)
        return String((0..<count).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
    }

    // MARK: Limits and malformed input

    static func decodingError(_ text: String, limits: RESPDecoder.Limits = RESPDecoder.Limits()) -> RESPDecodingError? {
        do {
            _ = try Self.decodeAll(text, limits: limits)
            return nil
        } catch {
            return error as? RESPDecodingError
        }
    }

    /// A declared size over a limit fails on its header, before anything is reserved or read.
    @Test func limitsAreEnforcedOnTheHeader() {
        let limits = RESPDecoder.Limits(maxBulkStringBytes: 16, maxArrayCount: 4, maxDepth: 2, maxLineBytes: 32, maxReplyBytes: 64)
        #expect(Self.decodingError("$17\r\n", limits: limits)?.isLimit == true)
        #expect(Self.decodingError("$9223372036854775807\r\n", limits: limits)?.isLimit == true)
        #expect(Self.decodingError("*5\r\n", limits: limits)?.isLimit == true)
        #expect(Self.decodingError("*1000000000\r\n", limits: limits)?.isLimit == true)
        #expect(Self.decodingError("*1\r\n*1\r\n*1\r\n:1\r\n", limits: limits)?.isLimit == true)
        #expect(Self.decodingError("+" + String(repeating: "a", count: 40) + "\r\n", limits: limits)?.isLimit == true)
        // A line that never ends is refused once it is longer than the limit.
        #expect(Self.decodingError(":" + String(repeating: "1", count: 40), limits: limits)?.isLimit == true)
        // Many small elements: the reply's total size is bounded too.
        let many = "*4\r\n" + String(repeating: "$16\r\n" + String(repeating: "x", count: 16) + "\r\n", count: 4)
        #expect(Self.decodingError(many, limits: limits)?.isLimit == true)
        // Just within the limits.
        #expect(Self.decodingError("$16\r\n" + String(repeating: "x", count: 16) + "\r\n*4\r\n:1\r\n:2\r\n:3\r\n*1\r\n:4\r\n", limits: limits) == nil)
    }

    @Test func malformedInputIsRefused() {
        for text in ["?x\r\n", ":12a\r\n", ":\r\n", "$-2\r\n", "*-5\r\n", "$3\r\nabcd\r\n", "+OK\rX", "\r\n", ":99999999999999999999\r\n"] {
            let error = Self.decodingError(text)
            #expect(error != nil && error?.isLimit == false, "\(text.debugDescription)")
        }
        #expect("\(Self.decodingError(":12a\r\n")!)".hasPrefix("malformed RESP reply"))
    }

    /// An incomplete line under the limit waits for more instead of failing.
    @Test func anIncompleteLineWaits() throws {
        var decoder = RESPDecoder(limits: RESPDecoder.Limits(maxLineBytes: 8))
        var buffer = Self.bytes(":1234567")
        #expect(try decoder.next(from: &buffer) == nil)
        buffer.writeString("\r\n")
        #expect(try decoder.next(from: &buffer) == .integer(1_234_567))
    }
}
