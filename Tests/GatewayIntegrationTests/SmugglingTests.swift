import NIOCore
import Testing

/// Request-smuggling attempts over a raw socket: each is refused and the connection closed,
/// and nothing reaches the upstream.
@Suite(.timeLimit(.minutes(3))) struct SmugglingTests {
    private func expectRefused(
        _ request: String,
        status: Int = 400,
        reason: String = "bad_request",
        headReachesUpstream: Bool = false
    ) async throws {
        let upstream = try await TestUpstream.start()
        let gateway = try await GatewayHarness.start(testRules(upstreamPort: upstream.port, routes: [publicRoute()]))
        let client = try await RawConnection.connect(port: gateway.port)
        try await client.send(request)
        let response = try #require(try await client.readResponse(), "no response to: \(request.debugDescription)")
        #expect(response.status == status, "\(request.debugDescription)")
        #expect(response.bodyText.contains(#""error":"\#(reason)""#))
        #expect(response.header("connection") == "close")
        #expect(await client.waitForClose())
        if !headReachesUpstream { #expect(upstream.connectionsAccepted.value == 0) }
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func contentLengthWithTransferEncoding() async throws {
        try await self.expectRefused(
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\n\r\n"
        )
    }

    @Test func conflictingContentLengths() async throws {
        try await self.expectRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde")
    }

    @Test func contentLengthListWithDifferentValues() async throws {
        try await self.expectRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4, 5\r\n\r\nabcde")
    }

    @Test func nonChunkedTransferEncodingIsNotImplemented() async throws {
        try await self.expectRefused(
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
            status: 501,
            reason: "not_implemented"
        )
    }

    @Test func transferEncodingWithoutChunkedIsRefused() async throws {
        try await self.expectRefused(
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\nabc",
            status: 501,
            reason: "not_implemented"
        )
    }

    @Test func badChunkSize() async throws {
        // The head is valid and may already be on its way upstream; the bad chunk aborts it.
        try await self.expectRefused(
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
            headReachesUpstream: true
        )
    }

    @Test func spaceBeforeColon() async throws {
        try await self.expectRefused("GET / HTTP/1.1\r\nHost: a\r\nContent-Length : 5\r\n\r\nabcde")
    }

    @Test func missingHostOnHTTP11() async throws {
        try await self.expectRefused("GET / HTTP/1.1\r\nX-A: b\r\n\r\n")
    }

    @Test func duplicateHost() async throws {
        try await self.expectRefused("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
    }
}
