import GatewayHTTP1
import NIOCore
import Testing

/// A response as decoded, in plain values.
struct DecodedResponse: Equatable {
    var informational: Bool
    var status: Int
    var reason: String
    var version: HTTP1Version
    var fields: [FieldPair]
    var framing: HTTP1BodyFraming
    var keepAlive: Bool
    var body: [UInt8] = []
    var trailers: [FieldPair]?
    var ended = false

    var bodyText: String { String(decoding: self.body, as: UTF8.self) }
}

struct ResponseOutcome: Equatable {
    var responses: [DecodedResponse] = []
    var error: HTTP1ResponseError?
    /// Whether the decoder had stopped before the input ended (a closing response, a 101).
    var finishedBeforeEnd = false
}

/// Decodes `input`, announced requests `toHEAD` (true for HEAD), fed in pieces cut at `splits`,
/// then ends the input when `close`.
func decodeResponses(
    _ input: [UInt8],
    toHEAD: [Bool],
    splits: [Int] = [],
    close: Bool = true,
    limits: HTTP1Limits = HTTP1Limits()
) -> ResponseOutcome {
    var decoder = HTTP1ResponseDecoder(limits: limits)
    for head in toHEAD { decoder.expectResponse(toHEAD: head) }
    var outcome = ResponseOutcome()
    func record(_ event: HTTP1ResponseEvent) {
        switch event {
        case .informational(let head), .head(let head):
            var informational = false
            if case .informational = event { informational = true }
            outcome.responses.append(
                DecodedResponse(
                    informational: informational,
                    status: head.status,
                    reason: head.reasonString,
                    version: head.version,
                    fields: head.fields.pairs,
                    framing: head.framing,
                    keepAlive: head.keepAlive
                )
            )
        case .body(let bytes):
            outcome.responses[outcome.responses.count - 1].body += Array(bytes.readableBytesView)
        case .end(let trailers):
            outcome.responses[outcome.responses.count - 1].trailers = trailers?.pairs
            outcome.responses[outcome.responses.count - 1].ended = true
        }
    }
    var start = 0
    do {
        for cut in splits + [input.count] where cut >= start {
            decoder.feed(ByteBuffer(bytes: input[start..<cut]))
            start = cut
            while let event = try decoder.next() { record(event) }
        }
        outcome.finishedBeforeEnd = decoder.isFinished
        if close {
            while let event = try decoder.endOfInput() { record(event) }
        }
    } catch {
        outcome.error = error
    }
    return outcome
}

func decodeResponses(_ input: String, toHEAD: [Bool], splits: [Int] = [], close: Bool = true) -> ResponseOutcome {
    decodeResponses(Array(input.utf8), toHEAD: toHEAD, splits: splits, close: close)
}

@Suite struct HTTP1ResponseDecoderTests {
    @Test func lengthChunkedAndHEADResponses() {
        let input =
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
            + "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n"
            + "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
            + "HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n"
            + "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n"
        let outcome = decodeResponses(input, toHEAD: [false, false, true, false, false])
        #expect(outcome.error == nil)
        #expect(outcome.responses.map(\.status) == [200, 200, 200, 204, 304])
        #expect(outcome.responses.map(\.framing) == [.length(3), .chunked, .none, .none, .none])
        #expect(outcome.responses.map(\.bodyText) == ["abc", "de", "", "", ""])
        #expect(outcome.responses[1].trailers == [FieldPair("X-T", "1")])
        #expect(outcome.responses.allSatisfy { $0.ended })
        #expect(outcome.responses.allSatisfy { $0.keepAlive })
        // Whatever the split.
        for cut in 0...input.utf8.count {
            #expect(decodeResponses(input, toHEAD: [false, false, true, false, false], splits: [cut]) == outcome)
        }
    }

    @Test func bodyUntilCloseEndsWithTheInput() {
        let outcome = decodeResponses(
            "HTTP/1.1 200 OK\r\nServer: x\r\n\r\nall of this\r\nHTTP/1.1 200",
            toHEAD: [false]
        )
        #expect(outcome.error == nil)
        #expect(outcome.responses.first?.framing == .untilClose)
        #expect(outcome.responses.first?.keepAlive == false)
        #expect(outcome.responses.first?.bodyText == "all of this\r\nHTTP/1.1 200")
        #expect(outcome.responses.first?.ended == true)
        let open = decodeResponses("HTTP/1.1 200 OK\r\n\r\nsome", toHEAD: [false], close: false)
        #expect(open.responses.first?.ended == false)
    }

    @Test func informationalResponsesPrecedeTheFinalOne() {
        let outcome = decodeResponses(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s>\r\n\r\n"
                + "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
            toHEAD: [false]
        )
        #expect(outcome.error == nil)
        #expect(outcome.responses.map(\.status) == [100, 103, 201])
        #expect(outcome.responses.map(\.informational) == [true, true, false])
        #expect(outcome.responses.map(\.ended) == [false, false, true])
        let closing = decodeResponses("HTTP/1.0 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\n\r\n", toHEAD: [false])
        #expect(closing.error?.kind == .malformed)
    }

    @Test func switchingProtocolsEndsHTTP() {
        var decoder = HTTP1ResponseDecoder(limits: HTTP1Limits())
        decoder.expectResponse(toHEAD: false)
        decoder.feed(
            ByteBuffer(
                string:
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
                    + "\u{81}\u{5}hello"
            )
        )
        #expect(throws: Never.self) {
            guard case .head(let head) = try decoder.next() else {
                throw HTTP1ResponseError(kind: .malformed, detail: "no head")
            }
            #expect(head.status == 101)
            #expect(head.framing == .none)
            guard case .end = try decoder.next() else { throw HTTP1ResponseError(kind: .malformed, detail: "no end") }
            #expect(try decoder.next() == nil)
        }
        #expect(decoder.isFinished)
    }

    @Test func truncatedAndUnsolicitedResponsesAreRefused() {
        #expect(
            decodeResponses("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc", toHEAD: [false]).error?.kind
                == .truncated
        )
        #expect(decodeResponses("HTTP/1.1 200 OK\r\nContent-Le", toHEAD: [false]).error?.kind == .truncated)
        #expect(
            decodeResponses("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", toHEAD: [false]).error?.kind
                == .truncated
        )
        #expect(decodeResponses("HTTP/1.1 200 OK\r\n\r\n", toHEAD: []).error?.kind == .unsolicitedResponse)
        let second = decodeResponses("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\n", toHEAD: [false])
        #expect(second.error?.kind == .unsolicitedResponse)
        #expect(second.responses.count == 1)
        // A clean close between responses is no error.
        #expect(decodeResponses("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", toHEAD: [false, false]).error == nil)
    }

    @Test func statusLinesAreStrict() {
        for line in [
            "HTTP/1.1 200 OK", "HTTP/1.0 404 Not Found", "HTTP/1.1 200 ", "HTTP/1.1 200", "HTTP/1.1 599 \u{E9}t\u{E9}",
        ] {
            let outcome = decodeResponses(line + "\r\nContent-Length: 0\r\n\r\n", toHEAD: [false])
            #expect(outcome.error == nil, "\(line)")
        }
        for line in [
            "HTTP/1.1 20 OK", "HTTP/1.1 2000 OK", "HTTP/1.1 099 X", "HTTP/1.1 600 X", "HTTP/1.2 200 OK", "HTTP/2 200",
            "http/1.1 200 OK", "HTTP/1.1  200 OK", "HTTP/1.1 200 O\u{0}K", "HTTP/1.1 200 OK\n", "RTSP/1.0 200 OK",
            "ICE/1.0 200 OK",
        ] {
            let outcome = decodeResponses(line + "\r\nContent-Length: 0\r\n\r\n", toHEAD: [false])
            #expect(outcome.error?.kind == .malformed, "\(line)")
        }
    }

    @Test func responseFramingIsAsStrictAsRequests() {
        func kind(_ fields: String) -> HTTP1ResponseError.Kind? {
            decodeResponses("HTTP/1.1 200 OK\r\n\(fields)\r\n", toHEAD: [false], close: false).error?.kind
        }
        #expect(kind("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n") == .malformed)
        #expect(kind("Content-Length: 5\r\nContent-Length: 5\r\n") == .malformed)
        #expect(kind("Content-Length: 05\r\n") == .malformed)
        #expect(kind("Transfer-Encoding: gzip, chunked\r\n") == .unsupportedTransferEncoding)
        #expect(kind("Transfer-Encoding: gzip\r\n") == .unsupportedTransferEncoding)
        #expect(kind("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n") == .malformed)
        #expect(kind("X: a\r\n b\r\n") == .malformed)
        #expect(kind("X : a\r\n") == .malformed)
        #expect(kind("Transfer-Encoding: chunked\r\n") == nil)
        #expect(
            decodeResponses("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", toHEAD: [false], close: false)
                .error?.kind
                == .malformed
        )
        // To HEAD, the framing fields do not frame, but must still not contradict each other.
        #expect(decodeResponses("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", toHEAD: [true]).error == nil)
        #expect(
            decodeResponses(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n",
                toHEAD: [true]
            ).error?.kind
                == .malformed
        )
    }

    @Test func closingResponsesEndTheConnection() {
        let outcome = decodeResponses(
            "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n\r\n",
            toHEAD: [false, false]
        )
        #expect(outcome.error == nil)
        #expect(outcome.responses.count == 1)
        #expect(outcome.responses.first?.keepAlive == false)
        let old = decodeResponses("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", toHEAD: [false])
        #expect(old.responses.first?.keepAlive == false)
        let kept = decodeResponses(
            "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok",
            toHEAD: [false]
        )
        #expect(kept.responses.first?.keepAlive == true)
    }

    @Test func headLimitAppliesToResponses() {
        let limits = HTTP1Limits(maxHeadBytes: 40)
        // "HTTP/1.1 200 OK\r\n" is 17, "X: " + n + "\r\n", "\r\n": n = 16 fits exactly.
        let fits = "HTTP/1.1 200 OK\r\nX: " + String(repeating: "v", count: 16) + "\r\n\r\n"
        #expect(decodeResponses(Array(fits.utf8), toHEAD: [true], limits: limits).error == nil)
        let over = "HTTP/1.1 200 OK\r\nX: " + String(repeating: "v", count: 17) + "\r\n\r\n"
        #expect(decodeResponses(Array(over.utf8), toHEAD: [true], limits: limits).error?.kind == .headTooLarge)
    }

    @Test func discardBodySkipsAResponseBody() throws {
        var decoder = HTTP1ResponseDecoder(limits: HTTP1Limits())
        decoder.expectResponse(toHEAD: false)
        decoder.expectResponse(toHEAD: false)
        decoder.feed(ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"))
        guard case .head = try decoder.next() else { throw HTTP1ResponseError(kind: .malformed, detail: "no head") }
        decoder.discardBody()
        decoder.feed(ByteBuffer(string: "helloHTTP/1.1 204 No Content\r\n\r\n"))
        guard case .end = try decoder.next() else { throw HTTP1ResponseError(kind: .malformed, detail: "no end") }
        guard case .head(let next) = try decoder.next() else {
            throw HTTP1ResponseError(kind: .malformed, detail: "no head")
        }
        #expect(next.status == 204)
        #expect(decoder.pendingResponses == 0)
    }
}
