import GatewayRules
import NIOCore
import Testing

/// 431, 413, 414 and 408, over a raw socket.
@Suite(.timeLimit(.minutes(3))) struct ProtocolLimitTests {
    private func start(_ configure: @escaping (inout Rules) -> Void = { _ in }) async throws -> (TestUpstream, GatewayHarness) {
        let upstream = try await TestUpstream.start()
        let gateway = try await GatewayHarness.start(
            testRules(upstreamPort: upstream.port, routes: [publicRoute()], configure: configure)
        )
        return (upstream, gateway)
    }

    @Test func headersOverTheLimitAnswer431() async throws {
        let (upstream, gateway) = try await self.start { $0.server.maxHeaderBytes = 1024 }
        let client = try await RawConnection.connect(port: gateway.port)
        try await client.send("GET /big HTTP/1.1\r\nHost: a\r\nX-Fill: \(String(repeating: "x", count: 2000))\r\n\r\n")
        let response = try #require(try await client.readResponse())
        #expect(response.status == 431)
        #expect(response.bodyText.contains(#""error":"headers_too_large""#))
        #expect(await client.waitForClose())
        let record = try #require(gateway.audit.all.first)
        #expect(record.reason == "headers_too_large" && record.path == "/big" && record.method == "GET")
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func headJustUnderTheLimitPasses() async throws {
        let (upstream, gateway) = try await self.start { $0.server.maxHeaderBytes = 1024 }
        let client = try await RawConnection.connect(port: gateway.port)
        let prefix = "GET / HTTP/1.1\r\nHost: a\r\nX-Fill: "
        let fill = String(repeating: "x", count: 1024 - prefix.utf8.count - 4)
        try await client.send(prefix + fill + "\r\n\r\n")
        #expect(try await client.readResponse()?.status == 200)
        try await client.send(prefix + fill + "y\r\n\r\n")
        #expect(try await client.readResponse()?.status == 431)
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func targetOverTheLimitAnswers414WithoutAuditRecord() async throws {
        let (upstream, gateway) = try await self.start { $0.server.maxURIBytes = 100 }
        let client = try await RawConnection.connect(port: gateway.port)
        try await client.send("GET /\(String(repeating: "a", count: 200)) HTTP/1.1\r\nHost: a\r\n\r\n")
        let response = try #require(try await client.readResponse())
        #expect(response.status == 414)
        #expect(response.bodyText.contains("uri_too_long"))
        #expect(gateway.audit.all.isEmpty)
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func longTargetTrickledWithoutLineEndIsRefused() async throws {
        let (upstream, gateway) = try await self.start { $0.server.maxURIBytes = 100 }
        let client = try await RawConnection.connect(port: gateway.port)
        try await client.send("GET /" + String(repeating: "b", count: 150))
        #expect(try await client.readResponse()?.status == 414)
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func declaredBodyOverTheLimitAnswers413BeforeForwarding() async throws {
        let (upstream, gateway) = try await self.start { $0.server.maxBodyBytes = 1000 }
        let client = try await RawConnection.connect(port: gateway.port)
        try await client.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n")
        let response = try #require(try await client.readResponse())
        #expect(response.status == 413)
        #expect(response.bodyText.contains("body_too_large"))
        #expect(upstream.connectionsAccepted.value == 0)
        #expect(gateway.audit.all.first?.decision == "deny")
        // The gateway waits to read and drop the 5,000 declared bytes (small enough to keep the
        // connection); the client leaves instead of making the stop wait out its grace period.
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func chunkedBodyCrossingTheLimitIsCut() async throws {
        let (upstream, gateway) = try await self.start { $0.server.maxBodyBytes = 1000 }
        let client = try await RawConnection.connect(port: gateway.port)
        try await client.send("POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
        let chunk = String(repeating: "z", count: 600)
        try await client.send("258\r\n\(chunk)\r\n258\r\n\(chunk)\r\n")
        let response = try #require(try await client.readResponse())
        #expect(response.status == 413)
        let record = try #require(gateway.audit.all.first)
        #expect(record.decision == "deny" && record.reason == "body_too_large")
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func slowHeadAnswers408() async throws {
        let (upstream, gateway) = try await self.start { $0.server.headerTimeout = .milliseconds(300) }
        let client = try await RawConnection.connect(port: gateway.port)
        // A slowloris client: the request line arrives, the rest of the head never does.
        try await client.send("GET /slowloris HTTP/1.1\r\nHost: a\r\nX-1: a\r\n")
        let response = try #require(try await client.readResponse())
        #expect(response.status == 408)
        #expect(response.bodyText.contains("header_timeout"))
        #expect(await client.waitForClose())
        #expect(gateway.audit.all.first?.path == "/slowloris")
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func idleKeepAliveConnectionIsClosed() async throws {
        // Long enough that the first exchange finishes even on a loaded CI machine; the close
        // after it is awaited, not timed. The idle clock starts at accept, so the request goes
        // out with the connection (a CI run once stalled this task for over 5 s between the
        // two, and the gateway rightly closed the connection first).
        let (upstream, gateway) = try await self.start { $0.server.idleTimeout = .seconds(5) }
        let client = try await RawConnection.connect(port: gateway.port, firstBytes: "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try await client.readResponse()?.status == 200)
        #expect(await client.waitForClose())
        try await gateway.stop()
        await upstream.stop()
    }
}
