import GatewayRules
import NIOCore
import Testing

/// Headers and targets as the upstream receives them, and responses as the client receives them.
@Suite(.timeLimit(.minutes(3))) struct ForwardingTests {
    @Test func forwardsRewrittenHeadersAndStripsHopByHop() async throws {
        let upstream = try await TestUpstream.start()
        let gateway = try await GatewayHarness.start(testRules(upstreamPort: upstream.port, routes: [publicRoute()]))
        let client = try await RawConnection.connect(port: gateway.port)
        try await client.send(
            "GET /echo?a=1&b=%2F HTTP/1.1\r\nHost: API.Example.com:8443\r\nConnection: keep-alive, X-Secret-Hop\r\n"
                + "X-Secret-Hop: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nX-Auth-Subject: forged\r\n"
                + "X-Auth-Scopes: admin\r\nAuthorization: Basic dXNlcjpwYXNz\r\nX-API-Key: k\r\nX-Custom: kept\r\n\r\n"
        )
        let response = try #require(try await client.readResponse())
        #expect(response.status == 200)
        let echoed = response.bodyText
        #expect(echoed.contains("target=/echo?a=1&b=%2F\n"))
        #expect(echoed.contains("h:host=API.Example.com:8443\n"))
        #expect(echoed.contains("h:x-custom=kept\n"))
        for stripped in ["x-secret-hop", "keep-alive", "te", "x-auth-subject", "x-auth-scopes", "authorization", "x-api-key"] {
            #expect(!echoed.contains("h:\(stripped)="), "\(stripped) must not reach the upstream")
        }
        #expect(echoed.contains("h:x-forwarded-for=127.0.0.1\n"))
        #expect(echoed.contains("h:x-forwarded-proto=http\n"))
        #expect(echoed.contains("h:x-forwarded-host=API.Example.com:8443\n"))
        // The upstream's own hop-by-hop headers stay on its side.
        #expect(response.header("x-hop") == nil)
        #expect(response.header("x-upstream") == "test")
        #expect(response.header("x-request-id") != nil)
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func untrustedForwardedForIsReplaced() async throws {
        let upstream = try await TestUpstream.start()
        let gateway = try await GatewayHarness.start(testRules(upstreamPort: upstream.port, routes: [publicRoute()]))
        let client = try await RawConnection.connect(port: gateway.port)
        try await client.send(
            "GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: evil\r\n\r\n"
        )
        let echoed = try #require(try await client.readResponse()).bodyText
        #expect(echoed.contains("h:x-forwarded-for=127.0.0.1\n"))
        #expect(echoed.contains("h:x-forwarded-proto=http\n"))
        #expect(echoed.contains("h:x-forwarded-host=a\n"))
        #expect(!echoed.contains("6.6.6.6"))
        #expect(gateway.audit.all.first?.client == "127.0.0.1")
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func trustedProxyForwardedForIsAppendedTo() async throws {
        let upstream = try await TestUpstream.start()
        let rules = testRules(upstreamPort: upstream.port, routes: [publicRoute()]) {
            $0.server.trustedProxies = [CIDR(address: [127, 0, 0, 0], prefixLength: 8)]
        }
        let gateway = try await GatewayHarness.start(rules)
        let client = try await RawConnection.connect(port: gateway.port)
        try await client.send(
            "GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 203.0.113.9, 127.0.0.2\r\nX-Forwarded-Proto: https\r\n\r\n"
        )
        let echoed = try #require(try await client.readResponse()).bodyText
        #expect(echoed.contains("h:x-forwarded-for=203.0.113.9, 127.0.0.2, 127.0.0.1\n"))
        #expect(echoed.contains("h:x-forwarded-proto=https\n"))
        // The audit's client is the first entry from the right that is not a trusted proxy.
        #expect(gateway.audit.all.first?.client == "203.0.113.9")
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func requestIDsAreKeptWhenValidAndGeneratedOtherwise() async throws {
        let upstream = try await TestUpstream.start()
        let gateway = try await GatewayHarness.start(testRules(upstreamPort: upstream.port, routes: [publicRoute()]))
        let client = try await RawConnection.connect(port: gateway.port)
        try await client.send("GET / HTTP/1.1\r\nHost: a\r\nX-Request-Id: abc.DEF_123-x\r\n\r\n")
        let kept = try #require(try await client.readResponse())
        #expect(kept.header("x-request-id") == "abc.DEF_123-x")
        #expect(kept.bodyText.contains("h:x-request-id=abc.DEF_123-x\n"))
        try await client.send("GET / HTTP/1.1\r\nHost: a\r\nX-Request-Id: bad id with spaces\r\n\r\n")
        let generated = try #require(try await client.readResponse())
        let id = try #require(generated.header("x-request-id"))
        #expect(id != "bad id with spaces")
        #expect(id.allSatisfy { $0.isHexDigit })
        #expect(generated.bodyText.contains("h:x-request-id=\(id)\n"))
        try await client.send("GET / HTTP/1.1\r\nHost: a\r\nX-Request-Id: \(String(repeating: "a", count: 129))\r\n\r\n")
        let tooLong = try #require(try await client.readResponse())
        #expect(tooLong.header("x-request-id")?.count != 129)
        #expect(gateway.audit.all.map(\.requestID).contains("abc.DEF_123-x"))
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func stripPrefixAndNormalisedPathAreForwarded() async throws {
        let upstream = try await TestUpstream.start()
        let routes = [publicRoute("api", prefix: "/api", stripPrefix: true), publicRoute("rest", prefix: "/")]
        let gateway = try await GatewayHarness.start(testRules(upstreamPort: upstream.port, routes: routes))
        let client = try await RawConnection.connect(port: gateway.port)
        try await client.send("GET /api/v1//items/./x/../y?q=%20z HTTP/1.1\r\nHost: a\r\n\r\n")
        let stripped = try #require(try await client.readResponse())
        #expect(stripped.bodyText.contains("target=/v1/items/y?q=%20z\n"))
        try await client.send("GET /api HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try #require(try await client.readResponse()).bodyText.contains("target=/\n"))
        try await client.send("GET /apiary HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try #require(try await client.readResponse()).bodyText.contains("target=/apiary\n"))
        let records = gateway.audit.all
        #expect(records.map(\.route) == ["api", "api", "rest"])
        #expect(records[0].path == "/api/v1/items/y")
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func upstreamConnectionsAreReused() async throws {
        let upstream = try await TestUpstream.start()
        let gateway = try await GatewayHarness.start(testRules(upstreamPort: upstream.port, routes: [publicRoute()]))
        for _ in 0..<3 {
            let client = try await RawConnection.connect(port: gateway.port)
            for _ in 0..<10 {
                try await client.send("GET /x HTTP/1.1\r\nHost: a\r\n\r\n")
                #expect(try await client.readResponse()?.status == 200)
            }
            await client.close()
        }
        // 30 requests over 3 client connections, sequentially: one upstream connection.
        #expect(upstream.connectionsAccepted.value == 1)
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func headRequestsGetHeadersWithoutBody() async throws {
        let upstream = try await TestUpstream.start()
        let gateway = try await GatewayHarness.start(testRules(upstreamPort: upstream.port, routes: [publicRoute()]))
        let client = try await RawConnection.connect(port: gateway.port)
        try await client.send("HEAD /download/1000 HTTP/1.1\r\nHost: a\r\n\r\n")
        let head = try #require(try await client.readResponse(forHEAD: true))
        #expect(head.status == 200)
        #expect(head.header("content-length") == "1000")
        // The connection is still in sync: the next response parses.
        try await client.send("GET /download/10 HTTP/1.1\r\nHost: a\r\n\r\n")
        let next = try #require(try await client.readResponse())
        #expect(next.body.readableBytes == 10)
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }
}
