import NIOHPACK
import NIOHTTP2
import Testing

@testable import GatewayProxy

/// The rules of `HTTP2FieldBlockCheck` one by one (RFC 9113 §8.2, §8.3), its byte scans against
/// byte-at-a-time definitions, and what a connection does with malformed blocks.
struct HTTP2FieldBlockCheckTests {
    static let base: [(String, String)] = [(":method", "GET"), (":scheme", "https"), (":path", "/a"), (":authority", "api.example")]

    static let requests: [(fields: [(String, String)], fault: HTTP2FieldBlockCheck.Fault?)] = [
        (base + [("accept", "*/*"), ("te", "trailers")], nil),
        (Array(base.dropLast()), nil),  // :authority is optional
        ([(":method", "CONNECT"), (":authority", "db.example:5432")], nil),
        (base + [("Accept", "*/*")], .invalidName),
        (base + [("x y", "1")], .invalidName),
        (base + [("", "1")], .invalidName),
        ([(":", "x")] + base, .invalidName),
        ([(":Path", "/a")] + base.dropFirst(2), .invalidName),
        ([("accept", "*/*")] + base, .pseudoAfterRegular),
        (base + [("accept", "*/*"), (":status", "200")], .pseudoAfterRegular),
        (base + [(":status", "200")], .disallowedPseudo),
        ([(":status", "200")] + base, .disallowedPseudo),
        ([(":protocol", "websocket")] + base, .disallowedPseudo),
        ([(":foo", "x")] + base, .disallowedPseudo),
        ([(":path", "/b")] + base, .duplicatePseudo),
        ([(":method", "G T"), (":scheme", "https"), (":path", "/a")], .invalidPseudoValue),
        ([(":method", "GET"), (":scheme", "https"), (":path", "/a\u{7F}")], .invalidPseudoValue),
        ([(":method", "GET"), (":scheme", "https"), (":path", "")], .emptyPath),
        ([(":method", "GET"), (":path", "/a")], .missingPseudo),
        ([(":method", "CONNECT"), (":authority", "db.example:5432"), (":path", "/")], .missingPseudo),
        ([(":method", "CONNECT")], .missingPseudo),
        ([(":method", "connect"), (":authority", "db.example:5432")], .missingPseudo),  // not CONNECT: needs :scheme, :path
        (base + [("connection", "close")], .connectionSpecific),
        (base + [("keep-alive", "timeout=5")], .connectionSpecific),
        (base + [("proxy-connection", "x")], .connectionSpecific),
        (base + [("transfer-encoding", "chunked")], .connectionSpecific),
        (base + [("upgrade", "h2c")], .connectionSpecific),
        (base + [("te", "gzip")], .teOtherThanTrailers),
        (base + [("te", "Trailers")], .teOtherThanTrailers),
        (base + [("x", "a\u{0}b")], .invalidValue),
        (base + [("x", "a\nb")], .invalidValue),
        (base + [("x", "0123456789abcdef\r")], .invalidValue),
        (base + [("x", "tab\tand space and é and \u{1} pass")], nil),
    ]

    @Test(arguments: 0..<Self.requests.count)
    func aRequestBlockIsJudgedByRFC9113(_ index: Int) {
        let (fields, fault) = Self.requests[index]
        #expect(HTTP2FieldBlockCheck.request(HPACKHeaders(fields)).fault == fault, "\(fields)")
    }

    @Test func aWellFormedBlockGivesItsRequestLineFromOnePass() throws {
        let block = HPACKHeaders([
            (":method", "POST"), (":scheme", "https"), (":path", "/orders?x=1"), (":authority", "api.example:8443"),
            ("content-length", "12"), ("host", "api.example:8443"), ("content-length", "13"),
        ])
        let line = try HTTP2FieldBlockCheck.request(block).get()
        #expect(line == .init(method: "POST", path: "/orders?x=1", authority: "api.example:8443", hasHost: true, contentLength: "12"))
        let bare = try HTTP2FieldBlockCheck.request(HPACKHeaders(Array(Self.base.dropLast()))).get()
        #expect(bare == .init(method: "GET", path: "/a", authority: nil, hasHost: false, contentLength: nil))
    }

    @Test func trailersHaveNoPseudoFieldsAndTheSameFieldRules() {
        #expect(HTTP2FieldBlockCheck.trailers(HPACKHeaders([("x-checksum", "abc"), ("te", "gzip")])) == nil)
        #expect(HTTP2FieldBlockCheck.trailers(HPACKHeaders([])) == nil)
        #expect(HTTP2FieldBlockCheck.trailers(HPACKHeaders([(":path", "/a")])) == .disallowedPseudo)
        #expect(HTTP2FieldBlockCheck.trailers(HPACKHeaders([("X-Checksum", "abc")])) == .invalidName)
        #expect(HTTP2FieldBlockCheck.trailers(HPACKHeaders([("connection", "close")])) == .connectionSpecific)
        #expect(HTTP2FieldBlockCheck.trailers(HPACKHeaders([("x", "a\rb")])) == .invalidValue)
    }

    @Test func nameBytesAreLowercaseTchars() {
        let tchars = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz".utf8)
        for byte in UInt8.min...UInt8.max {
            let name: [UInt8] = [UInt8(ascii: "a"), byte, UInt8(ascii: "b")]
            let accepted = name.withUnsafeBytes { HTTP2FieldBlockCheck.isLowercaseToken($0) }
            #expect(accepted == tchars.contains(byte), "byte \(byte)")
        }
    }

    /// The word-at-a-time scans against the byte rule, for every byte value at every position
    /// of values 1 to 24 bytes long.
    @Test func valueScansMatchTheByteRules() {
        for length in 1...24 {
            for position in 0..<length {
                for byte in UInt8.min...UInt8.max {
                    var value = [UInt8](repeating: UInt8(ascii: "v"), count: length)
                    value[position] = byte
                    let field = value.withUnsafeBytes { HTTP2FieldBlockCheck.isFieldValue($0) }
                    let pseudo = value.withUnsafeBytes { HTTP2FieldBlockCheck.isPseudoValue($0) }
                    if field != (byte != 0x00 && byte != 0x0A && byte != 0x0D) { Issue.record("field value, byte \(byte) at \(position) of \(length)") }
                    if pseudo != (byte > 0x20 && byte != 0x7F) { Issue.record("pseudo value, byte \(byte) at \(position) of \(length)") }
                }
            }
        }
    }

    @Test func malformedBlocksResetTheirStreamsUntilThereAreTooMany() {
        var machine = HTTP2ConnectionStateMachine(idleTimeout: 1_000, now: 0)
        for index in 0..<HTTP2ConnectionStateMachine.maximumMalformedBlocks {
            let streamID = HTTP2StreamID(2 * index + 1)
            guard case .resetMalformed(let reset) = machine.malformed(streamID), reset == streamID else {
                Issue.record("block \(index) did not reset its stream")
                return
            }
        }
        guard case .calm = machine.malformed(HTTP2StreamID(1_001)) else {
            Issue.record("the block past the limit did not end the connection")
            return
        }
        guard case .none = machine.malformed(HTTP2StreamID(1_003)) else {
            Issue.record("a closed connection acted again")
            return
        }
        #expect(!machine.accepts(HTTP2StreamID(1_005)))
    }

    @Test func upstreamTrailersLoseConnectionSpecificFields() {
        let trailers = TrailerFields([(name: "X-Checksum", value: "abc"), (name: "Connection", value: "close"), (name: "Keep-Alive", value: "1")])
        let block = HTTP2ConnectionHandler.trailerBlock(trailers)
        #expect(block.map { Array($0.map { "\($0.name)=\($0.value)" }) } == ["x-checksum=abc"])
        #expect(HTTP2ConnectionHandler.trailerBlock(TrailerFields([(name: "upgrade", value: "x")])) == nil)
    }
}

extension Result {
    /// The failure, or nil.
    var fault: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
