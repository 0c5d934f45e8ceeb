import GatewayRules
import NIOCore
import NIOHTTP1
import Testing

@testable import GatewayCredentials
@testable import GatewayProxy

/// HTTP/1.1 heads and chunked bodies are written by the gateway itself (`HTTP1HeadWriter`,
/// `HTTP1ChunkedEncoder`, unit-tested in GatewayHTTP1Tests), not by NIOHTTP1's encoders: over
/// sockets, what they write must parse back exactly.
@Suite(.timeLimit(.minutes(3))) struct HTTP1SerializationTests {
    @Test func chunkedUpstreamResponseReachesTheClientRechunked() async throws {
        let upstream = try await TestUpstream.start()
        let gateway = try await GatewayHarness.start(testRules(upstreamPort: upstream.port, routes: [publicRoute()]))
        let client = try await RawConnection.connect(port: gateway.port)
        try await client.send("GET /chunked/5 HTTP/1.1\r\nHost: a\r\n\r\n")
        let response = try #require(try await client.readResponse())
        #expect(response.status == 200)
        #expect(response.header("transfer-encoding") == "chunked")
        #expect(response.header("content-length") == nil)
        let expected = (0..<5).map { String(repeating: String($0), count: 100 * ($0 + 1)) }.joined()
        #expect(response.bodyText == expected)
        // The framing ended where it should: the same connection carries the next request.
        try await client.send("GET /echo HTTP/1.1\r\nHost: a\r\n\r\n")
        let next = try #require(try await client.readResponse())
        #expect(next.status == 200)
        #expect(next.bodyText.hasPrefix("method=GET\ntarget=/echo\n"))
        #expect(gateway.audit.all.first?.bytesOut == Int64(expected.utf8.count))
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func chunkedUpstreamResponseToAnHTTP10ClientEndsWithTheConnection() async throws {
        let upstream = try await TestUpstream.start()
        let gateway = try await GatewayHarness.start(testRules(upstreamPort: upstream.port, routes: [publicRoute()]))
        let client = try await RawConnection.connect(port: gateway.port)
        try await client.send("GET /chunked/3 HTTP/1.0\r\nHost: a\r\n\r\n")
        let raw = await client.readToEnd()
        let parts = raw.components(separatedBy: "\r\n\r\n")
        #expect(parts.first?.hasPrefix("HTTP/1.1 200 OK\r\n") == true)
        #expect(parts.first?.lowercased().contains("connection: close") == true)
        #expect(parts.first?.lowercased().contains("transfer-encoding") == false)
        #expect(parts.dropFirst().joined(separator: "\r\n\r\n") == String(repeating: "0", count: 100) + String(repeating: "1", count: 200) + String(repeating: "2", count: 300))
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func aSubjectWithALineBreakReachesTheUpstreamAsOneField() async throws {
        let upstream = try await TestUpstream.start()
        let apiKey = "gk_serialization_0123456789abcdefghijklmnopq"
        let rules = testRules(upstreamPort: upstream.port, routes: [
            RouteRule(name: "orders", path: .prefix("/orders"), upstream: "up", scopes: ["orders:read"])
        ]) {
            $0.apiKeys = [
                APIKeyRule(id: "acme", hash: APIKeyGenerator.hash(of: apiKey), scopes: ["orders:read"], subject: "acme\r\nx-injected: yes")
            ]
        }
        let gateway = try await GatewayHarness.start(rules)
        let client = try await RawConnection.connect(port: gateway.port)
        try await client.send("GET /orders/1 HTTP/1.1\r\nHost: a\r\nX-API-Key: \(apiKey)\r\n\r\n")
        let response = try #require(try await client.readResponse())
        #expect(response.status == 200)
        #expect(response.bodyText.contains("h:x-auth-subject=acme  x-injected: yes\n"))
        #expect(!response.bodyText.contains("h:x-injected="))
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }
}
