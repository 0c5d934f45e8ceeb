import NIOCore
import NIOHPACK
import Testing

@testable import GatewayProxy

/// Which response fields reach HPACK's dynamic table.
@Suite struct ResponseFieldIndexingTests {
    @Test("content-length and age are literals, set-cookie is never indexed, the rest indexable, in any case")
    func indexingByName() {
        for name in ["content-length", "Content-Length", "age", "AGE"] {
            #expect(ResponseFieldIndexing.indexing(of: name) == .nonIndexable, "\(name)")
        }
        for name in ["set-cookie", "Set-Cookie"] {
            #expect(ResponseFieldIndexing.indexing(of: name) == .neverIndexed, "\(name)")
        }
        for name in ["date", "server", "content-type", "cache-control", "etag", "x-date", "vary", "x-content-length", "set-cookie2", ""] {
            #expect(ResponseFieldIndexing.indexing(of: name) == .indexable, "\(name)")
        }
    }

    /// A second of responses that differ in `content-length` and `set-cookie`: the encoder's table
    /// keeps the fields that repeat once and grows no further.
    @Test("responses whose length and cookie change leave the encoder's dynamic table as the first left it")
    func changingFieldsStayOutOfTheTable() throws {
        var encoder = HPACKEncoder(allocator: ByteBufferAllocator())
        var sizes: [Int] = []
        for response in 0..<20 {
            var headers = HPACKHeaders()
            for (name, value) in [
                ("server", "nginx/1.22.1"), ("date", "Thu, 03 Dec 2026 14:00:10 GMT"),
                ("content-type", "application/json"), ("content-length", "\(100 + response)"),
                ("set-cookie", "session=secret-\(response)"),
            ] {
                headers.add(name: name, value: value, indexing: ResponseFieldIndexing.indexing(of: name))
            }
            var buffer = ByteBuffer()
            try encoder.encode(headers: headers, to: &buffer)
            sizes.append(encoder.dynamicTableSize)
        }
        // server, date and content-type: (6 + 12 + 32) + (4 + 29 + 32) + (12 + 16 + 32).
        #expect(sizes.allSatisfy { $0 == 175 }, "\(sizes)")
    }

    @Test("an upstream trailer block carries the same indexing")
    func trailerBlockIndexing() throws {
        let block = try #require(HTTP2ConnectionHandler.trailerBlock(TrailerFields([(name: "Set-Cookie", value: "a=b"), (name: "X-Checksum", value: "1")])))
        let indexing = block.map { "\($0.name):\($0.indexable)" }
        #expect(indexing == ["set-cookie:\(HPACKIndexing.neverIndexed)", "x-checksum:\(HPACKIndexing.indexable)"])
    }
}
