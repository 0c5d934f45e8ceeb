import GatewayRules
import NIOCore
import Testing

/// The admin listener: health, readiness, and a Prometheus scrape that is parsed and checked.
@Suite(.timeLimit(.minutes(3))) struct AdminTests {
    @Test func healthReadinessAndMetrics() async throws {
        let upstream = try await TestUpstream.start()
        let routes = [publicRoute("pub", prefix: "/p"), RouteRule(name: "priv", path: .prefix("/x"), upstream: "up")]
        let gateway = try await GatewayHarness.start(testRules(upstreamPort: upstream.port, routes: routes), withAdmin: true)
        let adminPort = try #require(gateway.adminPort)
        let client = try await RawConnection.connect(port: gateway.port)
        for target in ["/p/1", "/p/2", "/x/1", "/none"] {
            try await client.send("GET \(target) HTTP/1.1\r\nHost: a\r\n\r\n")
            _ = try #require(try await client.readResponse())
        }
        let admin = try await RawConnection.connect(port: adminPort)
        try await admin.send("GET /healthz HTTP/1.1\r\nHost: admin\r\n\r\n")
        #expect(try await admin.readResponse()?.status == 200)
        try await admin.send("GET /readyz HTTP/1.1\r\nHost: admin\r\n\r\n")
        #expect(try await admin.readResponse()?.status == 200)
        try await admin.send("GET /metrics HTTP/1.1\r\nHost: admin\r\n\r\n")
        let scrape = try #require(try await admin.readResponse())
        #expect(scrape.status == 200)
        let samples = PrometheusText.parse(scrape.bodyText)
        #expect(samples[#"gateway_requests_total{route="pub",decision="allow",reason="ok"}"#] == 2)
        #expect(samples[#"gateway_requests_total{route="priv",decision="deny",reason="missing_credential"}"#] == 1)
        #expect(samples[#"gateway_requests_total{route="",decision="deny",reason="no_route"}"#] == 1)
        #expect(samples[#"gateway_request_duration_seconds_count{route="pub"}"#] == 2)
        #expect(samples["gateway_connections_active"] == 1)
        #expect(samples[#"gateway_upstream_duration_seconds_count{upstream="up"}"#] == 2)
        // No request through the admin listener is audited.
        #expect(gateway.audit.all.count == 4)
        await client.close()
        await admin.close()
        try await gateway.stop()
        await upstream.stop()
    }
}

/// A minimal reader of the Prometheus text format: sample name with labels → value.
enum PrometheusText {
    static func parse(_ text: String) -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
        return samples
    }
}
