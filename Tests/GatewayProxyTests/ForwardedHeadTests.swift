import GatewayHTTP1
import GatewayPolicy
import NIOCore
import Testing

@testable import GatewayProxy

/// The heads the gateway writes on each side, byte for byte: what is copied, what is dropped and
/// what is added. The hot path writes them without strings; these pin the bytes it must produce.
struct ForwardedHeadTests {
    private static let limits = HTTP1Limits(maxHeadBytes: 16 * 1024, maxTargetBytes: 8 * 1024)

    private static func requestHead(_ text: String) throws -> HTTP1RequestHead {
        var decoder = HTTP1RequestDecoder(limits: self.limits)
        decoder.feed(ByteBuffer(string: text))
        guard case .head(let head) = try decoder.next() else { throw HeadMissing() }
        return head
    }

    private static func responseHead(_ text: String) throws -> HTTP1ResponseHead {
        var decoder = HTTP1ResponseDecoder(limits: self.limits)
        decoder.expectResponse(toHEAD: false)
        decoder.feed(ByteBuffer(string: text))
        guard case .head(let head) = try decoder.next() else { throw HeadMissing() }
        return head
    }

    private struct HeadMissing: Error {}

    @Test func theUpstreamGetsTheClientsFieldsLessHopByHopAndCredentialsPlusTheGatewaysOwn() throws {
        let head = try Self.requestHead(
            "GET /orders/1?x=1 HTTP/1.1\r\nHost: api.example.com\r\nConnection: keep-alive, X-Hop ,\r\n"
                + "X-Hop: secret-hop\r\nAccept:  */* \r\nAuthorization: Bearer abc\r\nX-Auth-Subject: mallory\r\n"
                + "X-Forwarded-For: 6.6.6.6\r\nTE: trailers\r\nUser-Agent: test\r\n\r\n"
        )
        let bytes = UpstreamRequestHead(peerAddress: "10.0.0.9", peerIsTrusted: false, isSecure: true, requestID: "rid-1")
            .encode(
                method: "GET",
                fields: head.fields,
                authority: nil,
                allowance: ExchangeFixtures.allowance(),
                isChunked: false,
                allocator: ByteBufferAllocator()
            )
        // Fields that pass are the client's lines as received (`Accept`'s whitespace included).
        #expect(
            String(buffer: bytes)
                == "GET /orders/1 HTTP/1.1\r\nHost: api.example.com\r\nAccept:  */* \r\nUser-Agent: test\r\n"
                + "x-forwarded-for: 10.0.0.9\r\nx-forwarded-proto: https\r\nx-forwarded-host: api.example.com\r\n"
                + "x-request-id: rid-1\r\nx-auth-subject: alice\r\nx-auth-scopes: orders:read\r\n"
                + "x-auth-credential: jwt:k1\r\n\r\n"
        )
    }

    @Test func theClientGetsTheUpstreamsFieldsLessHopByHopWithItsRequestID() throws {
        let head = try Self.responseHead(
            "HTTP/1.1 200 OK\r\nServer: nginx\r\nConnection: keep-alive,Close-Me\r\nClose-Me: 1\r\n"
                + "Content-Type: text/plain\r\nX-Request-Id: upstream-id\r\nKeep-Alive: timeout=5\r\n"
                + "Content-Length: 2\r\n\r\nok"
        )
        let (bytes, framing) = ClientResponseHead(requestID: "rid-2", client: .http1_1, closeConnection: false)
            .encode(head, requestIsHEAD: false, allocator: ByteBufferAllocator())
        #expect(
            String(buffer: bytes)
                == "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
                + "x-request-id: rid-2\r\n\r\n"
        )
        #expect(framing == .contentLength)
    }

    @Test func connectionTokensAreReadAsAListWithoutCloseAndKeepAlive() throws {
        let head = try Self.requestHead(
            "GET / HTTP/1.1\r\nHost: a\r\nConnection: close, \tX-One\t, ,KEEP-ALIVE,x-two\r\nConnection: X-Three\r\n\r\n"
        )
        let tokens = ConnectionTokens(head.fields)
        #expect(tokens.names == ["x-one", "x-two", "x-three"])
        #expect(ConnectionTokens(try Self.requestHead("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n").fields).names.isEmpty)
        var pieces: [String] = []
        ",, a ,b\t,".utf8.withContiguousStorageIfAvailable { list in
            let bytes = UnsafeRawBufferPointer(list)
            HTTP1FieldList.forEachElement(bytes, 0..<bytes.count) {
                pieces.append(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[$0]), as: UTF8.self))
                return true
            }
        }
        #expect(pieces == ["a", "b"])
    }
}
