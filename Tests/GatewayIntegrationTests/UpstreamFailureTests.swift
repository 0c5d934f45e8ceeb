import GatewayRules
import NIOCore
import NIOPosix
import Testing

/// 502 and 504, and what the audit record says about them.
@Suite(.timeLimit(.minutes(3))) struct UpstreamFailureTests {
    @Test func closedPortAnswers502() async throws {
        let refusing = try RefusingPort()
        let port = refusing.port
        let gateway = try await GatewayHarness.start(testRules(upstreamPort: port, routes: [publicRoute()]))
        let client = try await RawConnection.connect(port: gateway.port)
        try await client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        let response = try #require(try await client.readResponse())
        #expect(response.status == 502)
        #expect(response.bodyText.contains(#""error":"upstream_unavailable""#))
        let record = try #require(gateway.audit.all.first)
        #expect(record.decision == "allow" && record.reason == "upstream_unavailable" && record.status == 502)
        // The connection stays usable.
        try await client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try await client.readResponse()?.status == 502)
        await client.close()
        try await gateway.stop()
        withExtendedLifetime(refusing) {}  // the port refuses until here
    }

    @Test func silentUpstreamAnswers504() async throws {
        let upstream = try await TestUpstream.start()
        let rules = testRules(upstreamPort: upstream.port, routes: [publicRoute()]) {
            $0.upstreams[0].responseTimeout = .milliseconds(300)
        }
        let gateway = try await GatewayHarness.start(rules)
        let client = try await RawConnection.connect(port: gateway.port)
        try await client.send("GET /hang HTTP/1.1\r\nHost: a\r\n\r\n")
        let response = try #require(try await client.readResponse())
        #expect(response.status == 504)
        #expect(response.bodyText.contains("upstream_timeout"))
        let record = try #require(gateway.audit.all.first)
        #expect(record.decision == "allow" && record.reason == "upstream_timeout")
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func upstreamClosingWithoutAnswerIs502() async throws {
        let upstream = try await TestUpstream.start()
        let gateway = try await GatewayHarness.start(testRules(upstreamPort: upstream.port, routes: [publicRoute()]))
        let client = try await RawConnection.connect(port: gateway.port)
        try await client.send("GET /drop HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try await client.readResponse()?.status == 502)
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func roundRobinSkipsToTheNextTargetWhenOneRefuses() async throws {
        let upstream = try await TestUpstream.start()
        let refusing = try RefusingPort()
        let deadPort = refusing.port
        let rules = testRules(upstreamPort: upstream.port, routes: [publicRoute()]) {
            $0.upstreams[0].targets = [
                UpstreamTarget(host: "127.0.0.1", port: deadPort), UpstreamTarget(host: "127.0.0.1", port: upstream.port),
            ]
        }
        let gateway = try await GatewayHarness.start(rules)
        let client = try await RawConnection.connect(port: gateway.port)
        for _ in 0..<4 {
            try await client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try await client.readResponse()?.status == 200)
        }
        await client.close()
        try await gateway.stop()
        withExtendedLifetime(refusing) {}  // the port refuses until here
        await upstream.stop()
    }
}
