import NIOCore
import Testing

/// Pipelined requests are answered in order, whatever their outcome.
@Suite(.timeLimit(.minutes(3))) struct PipeliningTests {
    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        let upstream = try await TestUpstream.start()
        let routes = [publicRoute("slow", prefix: "/slow"), publicRoute("rest", prefix: "/r")]
        let gateway = try await GatewayHarness.start(testRules(upstreamPort: upstream.port, routes: routes))
        let client = try await RawConnection.connect(port: gateway.port)
        // The first is slow, the second is refused at once, the third carries a body.
        try await client.send(
            "GET /slow/200 HTTP/1.1\r\nHost: a\r\n\r\n"
                + "GET /nowhere HTTP/1.1\r\nHost: a\r\n\r\n"
                + "POST /r/echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
                + "GET /r/last HTTP/1.1\r\nHost: a\r\n\r\n"
        )
        let first = try #require(try await client.readResponse())
        #expect(first.status == 200 && first.bodyText == "slow done")
        let second = try #require(try await client.readResponse())
        #expect(second.status == 404)
        let third = try #require(try await client.readResponse())
        #expect(third.bodyText.contains("target=/r/echo\n") && third.bodyText.contains("body=5\n"))
        let fourth = try #require(try await client.readResponse())
        #expect(fourth.bodyText.contains("target=/r/last\n"))
        #expect(gateway.audit.all.map(\.path) == ["/slow/200", "/nowhere", "/r/echo", "/r/last"])
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func manyPipelinedRequestsInOneWrite() async throws {
        let upstream = try await TestUpstream.start()
        let gateway = try await GatewayHarness.start(testRules(upstreamPort: upstream.port, routes: [publicRoute()]))
        let client = try await RawConnection.connect(port: gateway.port)
        let count = 200
        try await client.send((0..<count).map { "GET /n/\($0) HTTP/1.1\r\nHost: a\r\n\r\n" }.joined())
        for index in 0..<count {
            let response = try #require(try await client.readResponse())
            #expect(response.bodyText.contains("target=/n/\(index)\n"))
        }
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }
}
