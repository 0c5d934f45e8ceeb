import Foundation
import GatewayTestSupport
import NIOCore
import NIOEmbedded
import NIOHPACK
import NIOHTTP2
import Testing

@testable import GatewayProxy

/// `HTTP2FieldBlockCheck` against NIOHTTP2's own header block validation, which it replaces:
/// generated and mutated request blocks and trailers go, HPACK-encoded in HEADERS frames, to a
/// server `NIOHTTP2Handler` with its validation on (in an `EmbeddedChannel`), and to the check.
/// Wherever NIOHTTP2 resets the stream the check must refuse the block, and wherever NIOHTTP2
/// passes it on the check must accept it. The seed is fixed: a failure repeats.
/// `HTTP2_FIELD_DIFFERENTIAL_BLOCKS` sets the number of request blocks (trailers: a third of
/// it) for a longer run: `bench/http2-field-differential.sh`.
struct HTTP2FieldBlockDifferentialTests {
    static let requestBlocks = ProcessInfo.processInfo.environment["HTTP2_FIELD_DIFFERENTIAL_BLOCKS"].flatMap { Int($0) } ?? 12_000

    @Test func requestBlocksAreJudgedAsNIOHTTP2JudgesThem() async throws {
        let count = Self.requestBlocks
        let (disagreements, refused) = try await runOffThePool {
            var random = SplitMix64(seed: 0x9113)
            var disagreements: [String] = []
            var refused = 0
            for _ in 0..<count {
                let fields = BlockGenerator.request(&random)
                let reference = try NIOHTTP2Reference.judge(request: fields)
                guard let decoded = reference.decoded else { continue }
                let fault = HTTP2FieldBlockCheck.request(decoded[0]).fault
                if reference.accepted != (fault == nil) { disagreements.append("\(fields) NIOHTTP2 \(reference.accepted) ours \(String(describing: fault))") }
                if !reference.accepted { refused += 1 }
            }
            return (disagreements, refused)
        }
        #expect(disagreements.isEmpty, "\(disagreements.count) disagreements, first: \(disagreements.prefix(3))")
        // The generator reaches both verdicts often.
        #expect(refused > count / 4 && refused < count * 3 / 4, "\(refused) refused of \(count)")
        print("HTTP/2 request blocks: \(count) judged, \(refused) refused by NIOHTTP2, \(disagreements.count) disagreements")
    }

    @Test func trailersAreJudgedAsNIOHTTP2JudgesThem() async throws {
        let count = Self.requestBlocks / 3
        let (disagreements, refused) = try await runOffThePool {
            var random = SplitMix64(seed: 0x9110)
            var disagreements: [String] = []
            var refused = 0
            let request: [(String, String)] = [(":method", "POST"), (":scheme", "https"), (":path", "/up"), (":authority", "a.example")]
            for _ in 0..<count {
                let trailers = BlockGenerator.trailers(&random)
                let reference = try NIOHTTP2Reference.judge(request: request, trailers: trailers)
                guard let decoded = reference.decoded else { continue }
                let fault = HTTP2FieldBlockCheck.trailers(decoded[1])
                if reference.accepted != (fault == nil) { disagreements.append("\(trailers) NIOHTTP2 \(reference.accepted) ours \(String(describing: fault))") }
                if !reference.accepted { refused += 1 }
            }
            return (disagreements, refused)
        }
        #expect(disagreements.isEmpty, "\(disagreements.count) disagreements, first: \(disagreements.prefix(3))")
        #expect(refused > count / 4 && refused < count * 3 / 4, "\(refused) refused of \(count)")
        print("HTTP/2 trailer blocks: \(count) judged, \(refused) refused by NIOHTTP2, \(disagreements.count) disagreements")
    }
}

/// NIOHTTP2's verdict on a request: whether a server `NIOHTTP2Handler` with header block
/// validation on passes the request's HEADERS (and then its trailers) on, or resets the stream;
/// and the blocks as NIOHTTP2 decodes them with its validation off, as the gateway receives
/// them. (The HPACK encoder may turn a name into a table index, which the decoder gives back in
/// the table's lowercase: the decoded block is what both judge.)
enum NIOHTTP2Reference {
    struct Outcome {
        var accepted: Bool
        /// Nil when NIOHTTP2 does not pass the blocks on even without validation.
        var decoded: [HPACKHeaders]?
    }

    static func judge(request: [(String, String)], trailers: [(String, String)]? = nil) throws -> Outcome {
        var encoder = HPACKEncoder(allocator: ByteBufferAllocator())
        var bytes = ByteBuffer(string: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        Self.frame(type: 0x4, flags: 0, stream: 0, payload: ByteBuffer(), to: &bytes)  // SETTINGS
        let endHeaders: UInt8 = 0x4
        let endStream: UInt8 = 0x1
        let requestFlags = trailers == nil ? endHeaders | endStream : endHeaders
        Self.frame(type: 0x1, flags: requestFlags, stream: 1, payload: try Self.encode(request, &encoder), to: &bytes)
        if let trailers {
            Self.frame(type: 0x1, flags: endHeaders | endStream, stream: 1, payload: try Self.encode(trailers, &encoder), to: &bytes)
        }
        let blocks = trailers == nil ? 1 : 2
        let validated = try Self.run(bytes, validation: .enabled)
        let decoded = try Self.run(bytes, validation: .disabled)
        // A block NIOHTTP2 refuses before validating it (an empty name is an HPACK decoding
        // error, a connection error) never reaches the gateway.
        precondition(decoded.count == blocks || validated.count < blocks)
        return Outcome(accepted: validated.count == blocks, decoded: decoded.count == blocks ? decoded : nil)
    }

    /// The header blocks a server `NIOHTTP2Handler` passes on after reading `bytes`.
    private static func run(_ bytes: ByteBuffer, validation: NIOHTTP2Handler.ValidationState) throws -> [HPACKHeaders] {
        let channel = EmbeddedChannel()
        defer { _ = try? channel.finish(acceptAlreadyClosed: true) }
        let recorder = HeadersRecorder()
        var configuration = NIOHTTP2Handler.ConnectionConfiguration()
        configuration.headerBlockValidation = validation
        try channel.pipeline.syncOperations.addHandlers(
            NIOHTTP2Handler(mode: .server, connectionConfiguration: configuration, streamConfiguration: .init()),
            recorder
        )
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try channel.writeInbound(bytes)
        return recorder.blocks
    }

    private static func encode(_ fields: [(String, String)], _ encoder: inout HPACKEncoder) throws -> ByteBuffer {
        var block = ByteBuffer()
        try encoder.encode(headers: HPACKHeaders(fields), to: &block)
        return block
    }

    /// An HTTP/2 frame (RFC 9113 §4.1).
    private static func frame(type: UInt8, flags: UInt8, stream: UInt32, payload: ByteBuffer, to bytes: inout ByteBuffer) {
        let length = payload.readableBytes
        bytes.writeInteger(UInt8(length >> 16))
        bytes.writeInteger(UInt16(length & 0xFFFF))
        bytes.writeInteger(type)
        bytes.writeInteger(flags)
        bytes.writeInteger(stream)
        bytes.writeImmutableBuffer(payload)
    }

    /// Keeps the header blocks NIOHTTP2 passes on; swallows the errors it reports for the
    /// streams it resets.
    private final class HeadersRecorder: ChannelInboundHandler {
        typealias InboundIn = HTTP2Frame
        var blocks: [HPACKHeaders] = []

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if case .headers(let headers) = Self.unwrapInboundIn(data).payload { self.blocks.append(headers.headers) }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {}
    }
}

/// Header blocks from a valid request (or trailers) with up to three mutations: fields
/// reordered, dropped, duplicated or added (pseudo-header fields known and not, connection
/// specific fields, `te`, names with uppercase letters and separators), values with control
/// characters, spaces, DEL or UTF-8 at any position, CONNECT, an empty path.
enum BlockGenerator {
    static let pseudoNames = [":method", ":scheme", ":path", ":authority", ":status", ":protocol", ":foo", ":", "::path", ":Path", ":path "]
    static let regularNames = [
        "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "TE", "Accept", "accept",
        "host", "", "x y", "x:y", "x-é", "a\u{7F}", "x-!#$%&'*+.^_`|~", "cookie", "authorization", "proxy-connectio",
        "connections", "[x]", "x\"y", "x/y", "x{y}",
    ]
    static let values = ["GET", "CONNECT", "connect", "POST", "https", "/", "/a?b=c", "a.example:8443", "trailers", "Trailers", "gzip", "", "*/*"]
    /// Bytes that decide a verdict somewhere: controls, SP, DEL, HTAB, and UTF-8.
    static let sharpBytes: [String] = ["\u{0}", "\u{1}", "\t", "\n", "\u{B}", "\r", "\u{1F}", " ", "\u{7F}", "é", "a", "~"]

    static func request(_ random: inout SplitMix64) -> [(String, String)] {
        var fields: [(String, String)] = [
            (":method", random.pick(["GET", "GET", "POST", "CONNECT"])), (":scheme", "https"), (":path", "/orders/7?x=1"),
            (":authority", "api.example"), ("accept", "*/*"), ("user-agent", "client/1.0 (test)"),
        ]
        if random.chance(1, in: 3) { fields.removeAll { $0.0 == ":authority" } }
        for _ in 0..<random.int(0...2) { Self.mutate(&fields, &random, pseudo: true) }
        return fields
    }

    static func trailers(_ random: inout SplitMix64) -> [(String, String)] {
        var fields: [(String, String)] = [("x-checksum", "sha-256=:abc:"), ("server-timing", "db;dur=53")]
        for _ in 0..<random.int(1...3) { Self.mutate(&fields, &random, pseudo: random.chance(1, in: 6)) }
        return fields
    }

    private static func mutate(_ fields: inout [(String, String)], _ random: inout SplitMix64, pseudo: Bool) {
        switch random.int(0...8) {
        case 0 where fields.count > 1:
            fields.swapAt(random.int(0...(fields.count - 1)), random.int(0...(fields.count - 1)))
        case 1 where !fields.isEmpty:
            fields.remove(at: random.int(0...(fields.count - 1)))
        case 2 where !fields.isEmpty:
            fields.insert(fields[random.int(0...(fields.count - 1))], at: random.int(0...fields.count))
        case 3 where pseudo:
            fields.insert((random.pick(Self.pseudoNames), random.pick(Self.values)), at: random.int(0...fields.count))
        case 4, 5:
            fields.insert((random.pick(Self.regularNames), random.pick(Self.values)), at: random.int(0...fields.count))
        case 6 where !fields.isEmpty:
            // A sharp byte somewhere in a value, short or long (the word-at-a-time scans).
            let index = random.int(0...(fields.count - 1))
            var value = Array(String(repeating: "v", count: random.int(0...40)))
            value.insert(Character(random.pick(Self.sharpBytes)), at: random.int(0...value.count))
            fields[index].1 = String(value)
        case 7 where !fields.isEmpty:
            fields[random.int(0...(fields.count - 1))].1 = random.pick(Self.values)
        default:
            fields.append(("x-\(random.int(0...99))", "value \(random.int(0...99))"))
        }
    }
}
