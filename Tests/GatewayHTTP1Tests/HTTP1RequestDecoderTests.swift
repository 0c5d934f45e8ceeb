import GatewayHTTP1
import NIOCore
import Testing

@Suite struct HTTP1RequestDecoderTests {
    private func feed(_ decoder: inout HTTP1RequestDecoder, _ text: String) {
        decoder.feed(ByteBuffer(string: text))
    }

    private func head(_ decoder: inout HTTP1RequestDecoder) throws -> HTTP1RequestHead {
        guard case .head(let head) = try decoder.next() else { throw Unexpected() }
        return head
    }

    private struct Unexpected: Error {}

    // MARK: Heads

    @Test func aSimpleRequestDecodesToHeadAndEnd() throws {
        var decoder = HTTP1RequestDecoder(limits: HTTP1Limits())
        self.feed(&decoder, "GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nX-Empty:\r\nAccept:  */* \t\r\n\r\n")
        let head = try self.head(&decoder)
        #expect(head.method == .GET)
        #expect(head.targetString == "/a?b=c")
        #expect(head.version == .http1_1)
        #expect(head.framing == .none)
        #expect(head.keepAlive)
        #expect(!head.hasUpgrade)
        #expect(!head.expectsContinue)
        #expect(head.headBytes == 68)
        #expect(
            head.fields.pairs == [
                FieldPair("Host", "example.com"), FieldPair("X-Empty", ""), FieldPair("Accept", "*/*"),
            ]
        )
        guard case .end(let trailers) = try decoder.next() else { throw Unexpected() }
        #expect(trailers == nil)
        #expect(try decoder.next() == nil)
        #expect(decoder.isBetweenMessages)
    }

    /// Between a bodiless head and its `.end` the decoder is in that (empty) request, whatever
    /// follows it in the buffer: not between messages, not in the next head, not finished.
    @Test func betweenABodilessHeadAndItsEndTheRequestIsNotOver() throws {
        for (request, closes) in [("GET /a HTTP/1.1\r\nHost: a\r\n\r\n", false), ("GET /a HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", true)] {
            var decoder = HTTP1RequestDecoder(limits: HTTP1Limits())
            self.feed(&decoder, request + "GET /b HT")
            _ = try self.head(&decoder)
            #expect(!decoder.isBetweenMessages)
            #expect(!decoder.isInHead)
            #expect(decoder.requestLineSoFar == nil)
            #expect(!decoder.isFinished)
            self.feed(&decoder, "TP/1.1\r\nHost: a\r\n\r\n")
            guard case .end(nil) = try decoder.next() else { throw Unexpected() }
            #expect(decoder.isFinished == closes)
            if closes {
                #expect(try decoder.next() == nil)
            } else {
                #expect(try self.head(&decoder).targetString == "/b")
            }
        }
    }

    @Test func fieldLookupsIgnoreCase() throws {
        var decoder = HTTP1RequestDecoder(limits: HTTP1Limits())
        self.feed(
            &decoder,
            "GET / HTTP/1.1\r\nHOST: a\r\nX-Auth-Subject: s\r\nx-auth-scopes: t\r\nVia: 1\r\nvia: 2\r\n\r\n"
        )
        let fields = try self.head(&decoder).fields
        #expect(fields.first("host").map(fields.string) == "a")
        #expect(fields.count(of: "via") == 2)
        #expect(fields.contains("x-auth-scopes"))
        #expect(!fields.contains("x-auth"))
        #expect(fields.filter { fields.nameHasPrefix($0, "x-auth-") }.count == 2)
        #expect(fields.nameEquals(fields[0], "host"))
        #expect(fields.bytesEqual(fields[3].value, "1", caseInsensitive: false))
        #expect(fields.bytesEqual(fields[0].name, "host", caseInsensitive: true))
        #expect(!fields.bytesEqual(fields[0].name, "host", caseInsensitive: false))
        #expect(fields.withBytes(fields[1].value) { $0.count } == 1)
        #expect(String(buffer: fields.valueSlice(fields[2])) == "t")
    }

    @Test func knownMethodsAreRecognised() throws {
        var decoder = HTTP1RequestDecoder(limits: HTTP1Limits())
        let methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND", "QUERY"]
        for method in methods { self.feed(&decoder, "\(method) / HTTP/1.1\r\n\r\n") }
        var seen: [HTTP1Method] = []
        while let event = try decoder.next() {
            if case .head(let head) = event { seen.append(head.method) }
        }
        #expect(seen.map(\.rawValue) == methods)
        #expect(seen[0] == .GET && seen[0] == HTTP1Method(rawValue: "GET"))
        #expect(seen[8] == HTTP1Method(rawValue: "PROPFIND"))
        #expect(seen.map(\.isIdempotent) == [true, true, false, true, true, false, true, true, false, false])
        #expect(seen.map(\.isSafe) == [true, true, false, false, false, false, true, true, false, false])
    }

    @Test func keepAliveFollowsVersionAndConnection() throws {
        let cases: [(String, Bool)] = [
            ("GET / HTTP/1.1\r\n\r\n", true),
            ("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", false),
            ("GET / HTTP/1.1\r\nConnection: Keep-Alive, CLOSE\r\n\r\n", false),
            ("GET / HTTP/1.1\r\nConnection: closed\r\n\r\n", true),
            ("GET / HTTP/1.1\r\nProxy-Connection: close\r\n\r\n", false),
            ("GET / HTTP/1.0\r\n\r\n", false),
            ("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true),
            ("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", false),
            ("GET / HTTP/1.0\r\nConnection:\t keep-alive \r\n\r\n", true),
            // llhttp does not read keep-alive followed by HTAB as keep-alive: closing wins.
            ("GET / HTTP/1.0\r\nConnection: keep-alive\t\r\n\r\n", false),
            ("GET / HTTP/1.0\r\nConnection: keep-alive\t, x\r\n\r\n", false),
            ("GET / HTTP/1.1\r\nConnection: close\t\r\n\r\n", false),
        ]
        for (input, keepAlive) in cases {
            var decoder = HTTP1RequestDecoder(limits: HTTP1Limits())
            self.feed(&decoder, input)
            #expect(try self.head(&decoder).keepAlive == keepAlive, "\(input)")
        }
    }

    @Test func expectContinueOnlyInHTTP11() throws {
        var decoder = HTTP1RequestDecoder(limits: HTTP1Limits())
        self.feed(&decoder, "PUT / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n")
        #expect(try self.head(&decoder).expectsContinue)
        var old = HTTP1RequestDecoder(limits: HTTP1Limits())
        self.feed(&old, "PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n")
        #expect(try !self.head(&old).expectsContinue)
    }

    // MARK: Bodies

    @Test func contentLengthBodyIsSlicedAndEnds() throws {
        let outcome = decodeRequests("POST /p HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello worldGET /n HTTP/1.1\r\n\r\n")
        #expect(outcome.error == nil)
        #expect(outcome.requests.map(\.bodyText) == ["hello world", ""])
        #expect(outcome.requests.map(\.framing) == [.length(11), .none])
        #expect(outcome.requests.allSatisfy { $0.ended })
    }

    @Test func contentLengthZeroHasNoBody() {
        let outcome = decodeRequests("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
        #expect(outcome.requests.first?.framing == HTTP1BodyFraming.none)
        #expect(outcome.requests.first?.ended == true)
    }

    @Test func chunkedBodyWithTrailers() {
        let outcome = decodeRequests(
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;ext=1\r\nhello\r\n000006\r\n world\r\n000\r\nX-Sum: abc\r\nx-b:\t2 \r\n\r\n"
        )
        #expect(outcome.error == nil)
        #expect(outcome.requests.first?.bodyText == "hello world")
        #expect(outcome.requests.first?.trailers == [FieldPair("X-Sum", "abc"), FieldPair("x-b", "2")])
    }

    @Test func discardBodySkipsDataButStillEnds() throws {
        for input in [
            "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789GET /next HTTP/1.1\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n7\r\ndefghij\r\n0\r\nX: 1\r\n\r\n"
                + "GET /next HTTP/1.1\r\n\r\n",
        ] {
            var decoder = HTTP1RequestDecoder(limits: HTTP1Limits())
            let bytes = Array(input.utf8)
            decoder.feed(ByteBuffer(bytes: bytes[..<50]))
            _ = try self.head(&decoder)
            decoder.discardBody()
            decoder.feed(ByteBuffer(bytes: bytes[50...]))
            var events: [String] = []
            while let event = try decoder.next() {
                switch event {
                case .head(let head): events.append("head \(head.targetString)")
                case .body: events.append("body")
                case .end(let trailers): events.append("end \(trailers?.count ?? 0)")
                }
            }
            #expect(events.first?.hasPrefix("end") == true, "\(events)")
            #expect(events.dropFirst().first == "head /next")
            #expect(!events.contains("body"))
        }
    }

    @Test func discardBodyStillChecksChunkFraming() throws {
        var decoder = HTTP1RequestDecoder(limits: HTTP1Limits())
        self.feed(&decoder, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
        _ = try self.head(&decoder)
        decoder.discardBody()
        self.feed(&decoder, "3\r\nabcX")
        #expect(throws: HTTP1RequestError.self) { try decoder.next() }
    }

    // MARK: Limits, exactly at and one over

    @Test func targetLimit() {
        let limits = HTTP1Limits(maxTargetBytes: 16)
        let atLimit = "/" + String(repeating: "a", count: 15)
        #expect(decodeRequests("GET \(atLimit) HTTP/1.1\r\n\r\n", limits: limits).error == nil)
        let over = decodeRequests("GET \(atLimit)a HTTP/1.1\r\n\r\n", limits: limits)
        #expect(over.error?.kind == .uriTooLong)
        #expect(over.error?.requestLine == nil)
        // Known before the line ends: one byte over is enough.
        #expect(decodeRequests("GET \(atLimit)a", limits: limits).error?.kind == .uriTooLong)
        #expect(decodeRequests("GET \(atLimit)", limits: limits).error == nil)
    }

    @Test func headLimitCountsTheWholeHead() {
        // "GET / HTTP/1.1\r\n" is 16 bytes, "X: " + value + "\r\n" is 5 + n, the end 2.
        let limits = HTTP1Limits(maxHeadBytes: 64)
        let fits = "GET / HTTP/1.1\r\nX: " + String(repeating: "v", count: 41) + "\r\n\r\n"
        #expect(fits.utf8.count == 64)
        let ok = decodeRequests(fits, limits: limits)
        #expect(ok.error == nil)
        #expect(ok.requests.count == 1)
        let over = "GET / HTTP/1.1\r\nX: " + String(repeating: "v", count: 42) + "\r\n\r\n"
        let refused = decodeRequests(over, limits: limits)
        #expect(refused.error?.kind == .headTooLarge)
        #expect(refused.error?.requestLine == HTTP1RequestLine(method: "GET", target: "/"))
        // Refused at the 65th byte, whatever follows.
        #expect(decodeRequests(String(over.utf8.prefix(65))!, limits: limits).error?.kind == .headTooLarge)
        #expect(decodeRequests(String(over.utf8.prefix(64))!, limits: limits).error == nil)
    }

    @Test func headLimitOnTheRequestLineAlone() {
        let limits = HTTP1Limits(maxHeadBytes: 32, maxTargetBytes: 100)
        let outcome = decodeRequests("GET /" + String(repeating: "a", count: 40) + " HTTP/1.1\r\n\r\n", limits: limits)
        #expect(outcome.error?.kind == .headTooLarge)
        #expect(outcome.error?.requestLine == nil)
    }

    @Test func fieldCountLimit() {
        let limits = HTTP1Limits(maxFieldCount: 3)
        let three = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"
        #expect(decodeRequests(three, limits: limits).error == nil)
        let four = decodeRequests("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", limits: limits)
        #expect(four.error?.kind == .headTooLarge)
        #expect(four.error?.requestLine == HTTP1RequestLine(method: "GET", target: "/"))
    }

    @Test func chunkLineLimit() {
        let limits = HTTP1Limits(maxChunkLineBytes: 8)
        let prefix = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        #expect(decodeRequests(prefix + "1;abcdef\r\nx\r\n0\r\n\r\n", limits: limits).error == nil)
        #expect(decodeRequests(prefix + "1;abcdefg\r\nx\r\n0\r\n\r\n", limits: limits).error?.kind == .malformed)
        #expect(decodeRequests(prefix + "000000001\r\nx\r\n0\r\n\r\n", limits: limits).error?.kind == .malformed)
    }

    @Test func trailerLimits() {
        let limits = HTTP1Limits(maxFieldCount: 2, maxTrailerBytes: 16)
        let prefix = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"
        // "X: 0123456789\r\n" is 15 bytes, the final CRLF 2: 17 is one over, 16 fits.
        #expect(decodeRequests(prefix + "X: 012345678\r\n\r\n", limits: limits).error == nil)
        #expect(decodeRequests(prefix + "X: 0123456789\r\n\r\n", limits: limits).error?.kind == .headTooLarge)
        let many = HTTP1Limits(maxFieldCount: 2, maxTrailerBytes: 100)
        #expect(decodeRequests(prefix + "A: 1\r\nB: 2\r\n\r\n", limits: many).error == nil)
        #expect(decodeRequests(prefix + "A: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits: many).error?.kind == .headTooLarge)
    }

    @Test func emptyLinesBeforeARequestAreBounded() {
        let limits = HTTP1Limits(maxHeadBytes: 32)
        #expect(
            decodeRequests(String(repeating: "\r\n", count: 16) + "GET / HTTP/1.1\r\n\r\n", limits: limits).error == nil
        )
        #expect(decodeRequests(String(repeating: "\r\n", count: 17), limits: limits).error?.kind == .headTooLarge)
    }

    // MARK: Split feeding and pipelining

    @Test func everySplitGivesTheSameOutcome() {
        let input =
            "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
            + "PUT /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2;x=\"y\"\r\nde\r\n0\r\nT: 1\r\n\r\n"
            + "\r\nGET /c HTTP/1.1\r\nConnection: close\r\n\r\n"
        let whole = decodeRequests(input)
        #expect(whole.error == nil)
        #expect(whole.requests.map(\.target) == ["/a", "/b", "/c"])
        let count = input.utf8.count
        for cut in 0...count {
            #expect(decodeRequests(input, splits: [cut]) == whole, "split at \(cut)")
        }
        for first in stride(from: 0, to: count, by: 7) {
            for second in stride(from: first, to: count, by: 11) {
                #expect(decodeRequests(input, splits: [first, second]) == whole)
            }
        }
    }

    @Test func pipelinedHeadsWaitUntilAskedFor() throws {
        var decoder = HTTP1RequestDecoder(limits: HTTP1Limits())
        let second = "GET /two HTTP/1.1\r\n\r\n"
        self.feed(&decoder, "GET /one HTTP/1.1\r\n\r\n" + second + "GET /thr")
        let total = decoder.bufferedBytes
        #expect(total == 21 + second.utf8.count + 8)
        #expect(try self.head(&decoder).targetString == "/one")
        #expect(decoder.bufferedBytes == total - 21)
        guard case .end = try decoder.next() else { throw Unexpected() }
        // The second request is buffered, untouched, until the caller asks.
        #expect(decoder.bufferedBytes == second.utf8.count + 8)
        #expect(decoder.isInHead)
        #expect(!decoder.isBetweenMessages)
        #expect(try self.head(&decoder).targetString == "/two")
        guard case .end = try decoder.next() else { throw Unexpected() }
        #expect(try decoder.next() == nil)
        #expect(decoder.bufferedBytes == 8)
        self.feed(&decoder, "ee HTTP/1.1\r\n\r\n")
        #expect(try self.head(&decoder).targetString == "/three")
    }

    @Test func inHeadAndBetweenMessages() throws {
        var decoder = HTTP1RequestDecoder(limits: HTTP1Limits())
        #expect(decoder.isBetweenMessages && !decoder.isInHead)
        self.feed(&decoder, "\r\n\r")
        #expect(try decoder.next() == nil)
        #expect(decoder.isBetweenMessages && !decoder.isInHead)
        self.feed(&decoder, "\n")
        #expect(!decoder.isInHead)
        self.feed(&decoder, "P")
        // Known from the buffered bytes, before `next()` looked at them.
        #expect(decoder.isInHead && !decoder.isBetweenMessages)
        #expect(try decoder.next() == nil)
        #expect(decoder.isInHead)
        self.feed(&decoder, "OST / HTTP/1.1\r\nContent-Length: 2\r\n\r\n")
        _ = try self.head(&decoder)
        #expect(!decoder.isInHead && !decoder.isBetweenMessages)
        self.feed(&decoder, "ab")
        guard case .body = try decoder.next() else { throw Unexpected() }
        guard case .end = try decoder.next() else { throw Unexpected() }
        #expect(decoder.isBetweenMessages && !decoder.isInHead)
        #expect(!decoder.isFinished)
    }

    @Test func anErrorIsThrownAgainAndLaterBytesAreDropped() throws {
        var decoder = HTTP1RequestDecoder(limits: HTTP1Limits())
        self.feed(&decoder, "GET / HTTP/1.1\r\nX : y\r\n\r\n")
        let first = #expect(throws: HTTP1RequestError.self) { try decoder.next() }
        self.feed(&decoder, "GET / HTTP/1.1\r\n\r\n")
        let second = #expect(throws: HTTP1RequestError.self) { try decoder.next() }
        #expect(first == second)
        #expect(first?.status == 400)
        #expect(decoder.bufferedBytes == 0)
        #expect(decoder.isFinished)
    }

    @Test func bodySlicesShareTheFedStorage() throws {
        var decoder = HTTP1RequestDecoder(limits: HTTP1Limits())
        let fed = ByteBuffer(string: "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello")
        decoder.feed(fed)
        let head = try self.head(&decoder)
        guard case .body(let body) = try decoder.next() else { throw Unexpected() }
        // Both are views of the buffer fed: its base address is theirs.
        let base = fed.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        #expect(head.fields.buffer.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) } == base)
        #expect(body.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) } == base + UInt(head.headBytes))
    }
}
