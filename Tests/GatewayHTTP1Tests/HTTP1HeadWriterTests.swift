import GatewayHTTP1
import GatewayTestSupport
import NIOCore
import Testing

/// What the writer and the chunked encoder produce must parse back exactly (with this codec's
/// own decoders), and no value may break a line.
@Suite struct HTTP1HeadWriterTests {
    private let allocator = ByteBufferAllocator()

    @Test func valuesAreJoinedInPlaceAndSanitized() {
        var writer = HTTP1HeadWriter(allocator: self.allocator)
        writer.writeRequestLine(method: .GET, target: "/")
        writer.add(name: "x-none", joining: [], separator: UInt8(ascii: " "))
        writer.add(name: "x-one", joining: ["a"], separator: UInt8(ascii: " "))
        writer.add(name: "x-list", joining: ["read", "", "write\r\nx-evil: 1"], separator: UInt8(ascii: " "))
        writer.add(name: "x-pair", "jwt", UInt8(ascii: ":"), "key\n1")
        writer.add(name: "x-pair-empty", "", UInt8(ascii: ":"), "")
        #expect(
            String(buffer: writer.finish())
                == "GET / HTTP/1.1\r\nx-none: \r\nx-one: a\r\nx-list: read  write  x-evil: 1\r\n"
                + "x-pair: jwt:key 1\r\nx-pair-empty: :\r\n\r\n"
        )
    }

    @Test func requestHeadIsWrittenFieldByField() {
        var writer = HTTP1HeadWriter(allocator: self.allocator)
        writer.writeRequestLine(method: .POST, target: "/a?b=c")
        writer.add(name: "Host", value: "example.com")
        writer.add(name: "x-empty", value: "")
        writer.add(name: "x-static", value: "1")
        #expect(
            String(buffer: writer.finish())
                == "POST /a?b=c HTTP/1.1\r\nHost: example.com\r\nx-empty: \r\nx-static: 1\r\n\r\n"
        )
    }

    @Test func statusLineFromAnIntAndAReason() {
        var writer = HTTP1HeadWriter(allocator: self.allocator)
        writer.writeStatusLine(status: 599, reason: "Custom Thing")
        writer.add(name: "content-length", value: "0")
        #expect(String(buffer: writer.finish()) == "HTTP/1.1 599 Custom Thing\r\ncontent-length: 0\r\n\r\n")
        var empty = HTTP1HeadWriter(allocator: self.allocator)
        empty.writeStatusLine(status: 204, reason: "")
        #expect(String(buffer: empty.finish()) == "HTTP/1.1 204 \r\n\r\n")
    }

    @Test func lineBreaksInValuesCannotInjectAField() {
        var writer = HTTP1HeadWriter(allocator: self.allocator)
        writer.writeRequestLine(method: .GET, target: "/x\r\nX-Bad: 1")
        writer.add(name: "x-auth-subject", value: "alice\r\nx-injected: yes\0")
        writer.add(name: "x\nname", value: "v")
        let written = String(buffer: writer.finish())
        #expect(written == "GET /x  X-Bad: 1 HTTP/1.1\r\nx-auth-subject: alice  x-injected: yes \r\nx name: v\r\n\r\n")
        #expect(written.utf8.filter { $0 == 0x0A }.count == 4)
    }

    /// The word-at-a-time sanitizer against the byte rule: every byte value, at every position
    /// of values of 1–24 bytes (both sides of each eight-byte word), among letters.
    @Test func sanitizingIsTheByteRuleForEveryByteAtEveryPosition() {
        for length in 1...24 {
            for position in 0..<length {
                for byte in UInt8.min...UInt8.max {
                    var value = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    value[position] = byte
                    var writer = HTTP1HeadWriter(allocator: self.allocator)
                    value.withUnsafeBytes { writer.add(name: "x", value: $0) }
                    let written = Array(writer.finish().readableBytesView)
                    var expected = value
                    if byte == 0x0D || byte == 0x0A || byte == 0 { expected[position] = UInt8(ascii: " ") }
                    let line = Array(written[3..<(3 + length)])
                    if line != expected {
                        Issue.record("byte \(byte) at \(position) of \(length): \(line)")
                        return
                    }
                }
            }
        }
    }

    private struct NoHead: Error {}

    /// The head of `text`, decoded as the answer to a request other than HEAD.
    private func responseHead(_ text: String) throws -> HTTP1ResponseHead {
        var decoder = HTTP1ResponseDecoder(limits: HTTP1Limits())
        decoder.expectResponse(toHEAD: false)
        decoder.feed(ByteBuffer(string: text))
        guard case .head(let head) = try decoder.next() else { throw NoHead() }
        return head
    }

    @Test func fieldsAndStatusAreCopiedFromADecodedResponse() throws {
        let head = try self.responseHead(
            "HTTP/1.1 404 Not  Found\r\nContent-Type:  text/plain \r\n"
                + "X-Obs: caf\u{E9}\r\nContent-Length: 0\r\n\r\n"
        )
        var writer = HTTP1HeadWriter(allocator: self.allocator)
        writer.writeStatusLine(status: head.status, reason: head.reason, from: head.fields)
        for field in head.fields where !head.fields.nameEquals(field, "content-length") {
            writer.copy(field, from: head.fields)
        }
        #expect(
            String(buffer: writer.finish())
                == "HTTP/1.1 404 Not  Found\r\nContent-Type: text/plain\r\nX-Obs: caf\u{E9}\r\n\r\n"
        )
    }

    @Test func runsOfFieldLinesAreCopiedAsReceived() throws {
        let head = try self.responseHead(
            "HTTP/1.1 200 OK\r\nServer:nginx\r\nX-Pad:  a b \t\r\nConnection: keep-alive\r\n"
                + "X-Obs: caf\u{E9}\r\nX-Empty:\r\nContent-Length: 0\r\n\r\n"
        )
        var writer = HTTP1HeadWriter(allocator: self.allocator)
        writer.writeStatusLine(status: head.status, reason: head.reason, from: head.fields)
        writer.copyLines(0..<2, of: head.fields)
        writer.copyLines(3..<6, of: head.fields)
        #expect(
            String(buffer: writer.finish())
                == "HTTP/1.1 200 OK\r\nServer:nginx\r\nX-Pad:  a b \t\r\nX-Obs: caf\u{E9}\r\nX-Empty:\r\n"
                + "Content-Length: 0\r\n\r\n"
        )
    }

    /// `HTTP1Fields.lines` over generated responses: every run of fields is exactly its lines —
    /// each starts with its name and ends with one CRLF, and the runs of a head tile its field block.
    @Test func fieldLineRangesTileTheBlock() throws {
        var generator = ResponseGenerator(random: SplitMix64(seed: 0x11AE5))
        var heads = 0
        for _ in 0..<2_000 {
            let (bytes, toHEAD) = generator.responses()
            var decoder = HTTP1ResponseDecoder(limits: HTTP1Limits())
            for isHEAD in toHEAD { decoder.expectResponse(toHEAD: isHEAD) }
            var buffer = ByteBuffer()
            buffer.writeBytes(bytes)
            decoder.feed(buffer)
            while let event = try? decoder.next() {
                guard case .head(let head) = event else { continue }
                heads += 1
                try Self.expectLinesTile(head.fields)
            }
        }
        #expect(heads > 1_000)
    }

    private static func expectLinesTile(_ fields: HTTP1Fields) throws {
        let bytes = Array(fields.buffer.readableBytesView)
        guard !fields.isEmpty else { return }
        // The block: from the first name to the final empty line.
        let block = fields.lines(0..<fields.count)
        #expect(block.upperBound == bytes.count - 2)
        #expect(Array(bytes[(block.upperBound)...]) == Array("\r\n".utf8))
        var expectedStart = block.lowerBound
        for position in fields.indices {
            let line = fields.lines(position..<(position + 1))
            #expect(line.lowerBound == expectedStart)
            let text = Array(bytes[line])
            let field = fields[position]
            #expect(Array(text.prefix(field.name.count)) == Array(bytes[field.name]))
            #expect(text[field.name.count] == UInt8(ascii: ":"))
            #expect(Array(text.suffix(2)) == Array("\r\n".utf8))
            #expect(text.dropLast(2).allSatisfy { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") })
            #expect(field.value.lowerBound >= line.lowerBound && field.value.upperBound <= line.upperBound - 2)
            expectedStart = line.upperBound
        }
        #expect(expectedStart == block.upperBound)
    }

    @Test func requestLineCopiesTheDecodedTarget() throws {
        let outcome = decodeRequests("GET /p?q=%20 HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(outcome.error == nil)
        var decoder = HTTP1RequestDecoder(limits: HTTP1Limits())
        decoder.feed(ByteBuffer(string: "GET /p?q=%20 HTTP/1.1\r\nHost: a\r\n\r\n"))
        guard case .head(let head) = try decoder.next() else {
            Issue.record("no head")
            return
        }
        var writer = HTTP1HeadWriter(allocator: self.allocator)
        writer.writeRequestLine(method: head.method, targetOf: head)
        for field in head.fields { writer.copy(field, from: head.fields) }
        #expect(String(buffer: writer.finish()) == "GET /p?q=%20 HTTP/1.1\r\nHost: a\r\n\r\n")
    }

    @Test func chunksAreFramedAndAnEmptyOneIsNeverWritten() {
        var encoder = HTTP1ChunkedEncoder(allocator: self.allocator)
        var written = ""
        encoder.writeChunk(self.allocator.buffer(capacity: 0)) { written += String(buffer: $0) }
        #expect(written.isEmpty)
        encoder.writeChunk(self.allocator.buffer(string: String(repeating: "a", count: 255))) {
            written += String(buffer: $0)
        }
        #expect(written == "ff\r\n" + String(repeating: "a", count: 255) + "\r\n")
        #expect(String(buffer: encoder.chunkHeader(size: 1)) == "1\r\n")
        #expect(String(buffer: encoder.chunkHeader(size: 16)) == "10\r\n")
        #expect(String(buffer: encoder.chunkHeader(size: 0xABCDEF)) == "abcdef\r\n")
        #expect(String(buffer: encoder.chunkHeader(size: Int.max)) == "7fffffffffffffff\r\n")
        #expect(!encoder.isFinished)
        #expect(String(buffer: encoder.lastChunk()) == "0\r\n\r\n")
        #expect(encoder.isFinished)
    }

    @Test func lastChunkCarriesTrailers() {
        var encoder = HTTP1ChunkedEncoder(allocator: self.allocator)
        var writer = encoder.lastChunkWithTrailers()
        writer.add(name: "x-sum", value: "1")
        #expect(String(buffer: writer.finish()) == "0\r\nx-sum: 1\r\n\r\n")
    }

    @Test func anEncodedBodyDecodesBackExactly() throws {
        var encoder = HTTP1ChunkedEncoder(allocator: self.allocator)
        var wire = self.allocator.buffer(string: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
        var body: [UInt8] = []
        for size in [1, 15, 16, 255, 4096, 70000] {
            let chunk = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            body += chunk
            encoder.writeChunk(ByteBuffer(bytes: chunk)) {
                var part = $0
                wire.writeBuffer(&part)
            }
        }
        var trailers = encoder.lastChunkWithTrailers()
        trailers.add(name: "x-digest", value: "abc")
        var end = trailers.finish()
        wire.writeBuffer(&end)
        let outcome = decodeRequests(Array(wire.readableBytesView))
        #expect(outcome.error == nil)
        #expect(outcome.requests.first?.body == body)
        #expect(outcome.requests.first?.trailers == [FieldPair("x-digest", "abc")])
    }
}
