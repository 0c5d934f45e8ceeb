import Testing

/// An upstream's response is read by the same strict codec as a client's request: a response
/// that parsers could read two ways is never relayed, and bytes after a response never become
/// the next request's answer.
@Suite(.timeLimit(.minutes(3))) struct UpstreamResponseStrictnessTests {
    /// Starts an upstream answering each request head with `response` (and `rest` once the test
    /// calls `sendRest()`), a gateway with one public route in front of it and a client
    /// connection to that gateway; runs `body`, then stops all three.
    private func throughGateway(
        response: String,
        rest: String? = nil,
        _ body: (RawConnection, ScriptedUpstream, GatewayHarness) async throws -> Void
    ) async throws {
        let upstream = try await ScriptedUpstream.start(response: response, rest: rest)
        let gateway = try await GatewayHarness.start(testRules(upstreamPort: upstream.port, routes: [publicRoute()]))
        let client = try await RawConnection.connect(port: gateway.port)
        try await body(client, upstream, gateway)
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    /// Sends one GET through a gateway in front of an upstream answering `response`, and expects
    /// 502 `upstream_unavailable`, answered and audited.
    private func expectBadGateway(_ response: String) async throws {
        try await self.throughGateway(response: response) { client, _, gateway in
            try await client.send("GET /item HTTP/1.1\r\nHost: a\r\n\r\n")
            let answer = try #require(try await client.readResponse(), "no answer for \(response.debugDescription)")
            #expect(answer.status == 502, "\(response.debugDescription)")
            #expect(answer.bodyText.contains(#""error":"upstream_unavailable""#))
            #expect(!answer.bodyText.contains("smuggled"))
            let record = try #require(gateway.audit.all.first)
            #expect(record.status == 502 && record.reason == "upstream_unavailable")
        }
    }

    /// The record of a response cut short after it began: the status the client got, `allow`,
    /// and the reason `upstream_unavailable`.
    private func expectCutRecord(_ gateway: GatewayHarness) async throws {
        await gateway.audit.waitForRecords(1)
        let record = try #require(gateway.audit.all.first)
        #expect(record.status == 200 && record.reason == "upstream_unavailable" && record.decision == "allow")
    }

    @Test func contentLengthWithTransferEncodingIsNotRelayed() async throws {
        try await self.expectBadGateway(
            "HTTP/1.1 200 OK\r\nContent-Length: 9\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nsmuggled"
        )
    }

    @Test func twoDifferentContentLengthsAreNotRelayed() async throws {
        try await self.expectBadGateway("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 10\r\n\r\noksmuggled")
    }

    @Test func anObsFoldedFieldIsNotRelayed() async throws {
        try await self.expectBadGateway("HTTP/1.1 200 OK\r\nX-Note: a\r\n smuggled\r\nContent-Length: 2\r\n\r\nok")
    }

    @Test func aStatusOutside100To599IsNotRelayed() async throws {
        try await self.expectBadGateway("HTTP/1.1 600 smuggled\r\nContent-Length: 0\r\n\r\n")
    }

    @Test func aBareLFIsNotRelayed() async throws {
        try await self.expectBadGateway("HTTP/1.1 200 OK\nContent-Length: 8\n\nsmuggled")
    }

    /// A second response sent behind the first (response splitting, or an upstream out of step)
    /// is not kept for the next request on that connection: the connection is not reused.
    @Test func bytesAfterAResponseNeverAnswerTheNextRequest() async throws {
        let response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" + "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsmuggled"
        try await self.throughGateway(response: response) { client, upstream, _ in
            for _ in 0..<2 {
                try await client.send("GET /item HTTP/1.1\r\nHost: a\r\n\r\n")
                let answer = try #require(try await client.readResponse())
                #expect(answer.status == 200 && answer.bodyText == "ok")
            }
            #expect(upstream.connectionsAccepted.value == 2)
        }
    }

    /// A body whose first chunk breaks the rules: nothing of the response has left the gateway
    /// (its head waits to leave with the first body bytes), so the client gets 502, and the
    /// record says 502, not the status the upstream began with.
    @Test func aBadFirstChunkAnswers502() async throws {
        try await self.expectBadGateway(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nsmuggled\r\n0\r\n\r\n"
        )
    }

    /// A bad chunk after a good one, all in one read: what was passed on (the head and the
    /// good chunk) reaches the client before the connection closes, without the body's end.
    @Test func aBadChunkAfterAGoodOneIsACutOffResponse() async throws {
        let response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\nsmuggled\r\n0\r\n\r\n"
        try await self.throughGateway(response: response) { client, _, gateway in
            try await client.send("GET /item HTTP/1.1\r\nHost: a\r\n\r\n")
            let head = try #require(await client.readHead())
            #expect(head.hasPrefix("HTTP/1.1 200 "))
            let rest = await client.readToEnd()  // returns once the gateway closed the connection
            #expect(rest == "5\r\nhello\r\n", "\(rest.debugDescription)")
            try await self.expectCutRecord(gateway)
        }
    }

    /// A body that breaks the rules after its head and first chunk reached the client: the
    /// client's connection is closed without the body's last chunk, a cut-off response, never
    /// a whole one. The audit record keeps the status sent, with the reason
    /// `upstream_unavailable`.
    @Test func aBadChunkAfterTheHeadLeftCutsTheClientsResponseShort() async throws {
        let response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
        try await self.throughGateway(response: response, rest: "zz\r\nsmuggled\r\n0\r\n\r\n") { client, upstream, gateway in
            try await client.send("GET /item HTTP/1.1\r\nHost: a\r\n\r\n")
            let head = try #require(await client.readHead())
            #expect(head.hasPrefix("HTTP/1.1 200 ") && head.lowercased().contains("transfer-encoding: chunked"))
            #expect(await client.readBytes(10) == "5\r\nhello\r\n")
            upstream.sendRest()
            let rest = await client.readToEnd()  // returns once the gateway closed the connection
            #expect(rest.isEmpty, "\(rest.debugDescription)")
            try await self.expectCutRecord(gateway)
        }
    }
}
