import GatewayRules
import NIOCore
import Testing

/// The refusals the router and the policy give before any upstream is involved.
@Suite(.timeLimit(.minutes(3))) struct RoutingAnswerTests {
    @Test func refusalsCarryTheJSONBodyAndHeaders() async throws {
        let upstream = try await TestUpstream.start()
        let routes = [
            RouteRule(name: "read", path: .prefix("/orders"), methods: ["GET"], upstream: "up", isPublic: true),
            RouteRule(name: "private", path: .prefix("/private"), upstream: "up"),
        ]
        let gateway = try await GatewayHarness.start(testRules(upstreamPort: upstream.port, routes: routes))
        let client = try await RawConnection.connect(port: gateway.port)

        try await client.send("GET /nothing HTTP/1.1\r\nHost: a\r\n\r\n")
        let notFound = try #require(try await client.readResponse())
        #expect(notFound.status == 404)
        #expect(notFound.header("content-type") == "application/json")
        let id = try #require(notFound.header("x-request-id"))
        #expect(notFound.bodyText == #"{"error":"no_route","message":"No route matches the request.","request_id":"\#(id)"}"#)

        try await client.send("DELETE /orders/1 HTTP/1.1\r\nHost: a\r\n\r\n")
        let notAllowed = try #require(try await client.readResponse())
        #expect(notAllowed.status == 405)
        #expect(notAllowed.header("allow") == "GET, HEAD")
        #expect(notAllowed.bodyText.contains("method_not_allowed"))

        try await client.send("GET /private/x HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer abc.def.ghi\r\n\r\n")
        let malformed = try #require(try await client.readResponse())
        #expect(malformed.status == 400)
        #expect(malformed.bodyText.contains(#""error":"malformed_credential""#))
        #expect(!malformed.bodyText.contains("abc.def.ghi"))

        try await client.send("GET /orders/../../etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try await client.readResponse()?.status == 400)
        try await client.send("GET /orders/%2e%2e/private/x HTTP/1.1\r\nHost: a\r\n\r\n")
        // Normalised to /private/x: a protected route, never the public one's upstream.
        #expect(try await client.readResponse()?.status == 401)
        try await client.send("GET /orders%2Fx HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try await client.readResponse()?.status == 400)

        #expect(upstream.connectionsAccepted.value == 0)
        let reasons = gateway.audit.all.map(\.reason)
        #expect(reasons == ["no_route", "method_not_allowed", "malformed_credential", "bad_path", "missing_credential", "bad_path"])
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }
}
