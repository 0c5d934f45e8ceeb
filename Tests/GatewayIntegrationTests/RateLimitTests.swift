import Crypto
import GatewayRules
import NIOCore
import Testing

/// Rate limits over sockets (SPEC §9 check 10, "Rate limits"): a bucket per route and
/// credential, per client address on public routes; 429 `rate_limited` with `Retry-After` and
/// `RateLimit-*`; the refusal audited and counted.
@Suite(.timeLimit(.minutes(3))) struct RateLimitTests {
    @Test func aPublicRouteIsLimitedPerClientAddress() async throws {
        let upstream = try await TestUpstream.start()
        var route = publicRoute("open", prefix: "/")
        route.rateLimit = RateLimitRule(count: 2, period: .seconds(60))
        let gateway = try await GatewayHarness.start(testRules(upstreamPort: upstream.port, routes: [route]))
        let client = try await RawConnection.connect(port: gateway.port)
        var statuses: [Int] = []
        for index in 0..<3 {
            try await client.send("GET /r/\(index) HTTP/1.1\r\nHost: a\r\n\r\n")
            let response = try #require(try await client.readResponse())
            statuses.append(response.status)
            if response.status == 429 {
                #expect(response.bodyText.contains(#""error":"rate_limited""#))
                #expect(response.header("retry-after").flatMap(Int.init).map { (1...60).contains($0) } == true)
                #expect(response.header("ratelimit-limit") == "2")
                #expect(response.header("ratelimit-remaining") == "0")
                #expect(response.header("ratelimit-reset") != nil)
            }
        }
        #expect(statuses == [200, 200, 429])
        #expect(upstream.requests.all == ["/r/0", "/r/1"])
        await gateway.audit.waitForRecords(3)
        let refused = try #require(gateway.audit.all.last)
        #expect(refused.reason == "rate_limited")
        #expect(refused.decision == "deny")
        #expect(refused.route == "open")
        let exposition = String(decoding: gateway.metrics.exposition(), as: UTF8.self)
        #expect(exposition.contains(#"gateway_rate_limited_total{route="open"} 1"#))
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func eachCredentialHasItsOwnBucket() async throws {
        let upstream = try await TestUpstream.start()
        let keys = ["gk_ratelimit_first_0123456789abcdefghijklmn", "gk_ratelimit_second_0123456789abcdefghijklm"]
        var route = RouteRule(name: "keyed", path: .prefix("/"), upstream: "up", auth: [.apiKey])
        route.rateLimit = RateLimitRule(count: 1, period: .seconds(60))
        let rules = testRules(upstreamPort: upstream.port, routes: [route]) { rules in
            rules.apiKeys = keys.enumerated().map { index, key in
                APIKeyRule(id: "k\(index)", hash: Array(SHA256.hash(data: Array(key.utf8))))
            }
        }
        let gateway = try await GatewayHarness.start(rules)
        let client = try await RawConnection.connect(port: gateway.port)
        var statuses: [Int] = []
        for key in [keys[0], keys[1], keys[0]] {
            try await client.send("GET /x HTTP/1.1\r\nHost: a\r\nX-API-Key: \(key)\r\n\r\n")
            statuses.append(try #require(try await client.readResponse()).status)
        }
        #expect(statuses == [200, 200, 429])
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }
}
