import NIOCore
import Testing

/// Graceful shutdown: in-flight requests finish, new ones are refused, the server stops.
@Suite(.timeLimit(.minutes(3))) struct DrainTests {
    @Test func inFlightRequestFinishesDuringDrain() async throws {
        let upstream = try await TestUpstream.start()
        let gateway = try await GatewayHarness.start(testRules(upstreamPort: upstream.port, routes: [publicRoute()]))
        let busy = try await RawConnection.connect(port: gateway.port)
        let idle = try await RawConnection.connect(port: gateway.port)
        try await busy.send("GET /gate/drain HTTP/1.1\r\nHost: a\r\n\r\n")
        await upstream.waitForGate("drain")
        await gateway.beginShutdown()
        try await gateway.server.waitUntilDraining()
        upstream.open("drain")
        let response = try #require(try await busy.readResponse())
        #expect(response.status == 200 && response.bodyText == "gate opened")
        #expect(response.header("connection") == "close")
        #expect(await busy.waitForClose())
        #expect(await idle.waitForClose())
        try await gateway.waitUntilStopped()
        await #expect(throws: (any Error).self) { _ = try await RawConnection.connect(port: gateway.port) }
        #expect(gateway.audit.all.count == 1)
        await upstream.stop()
    }

    @Test func requestStillRunningAtGraceIsAborted() async throws {
        let upstream = try await TestUpstream.start()
        let rules = testRules(upstreamPort: upstream.port, routes: [publicRoute()]) {
            $0.server.shutdownGrace = .milliseconds(200)
        }
        let gateway = try await GatewayHarness.start(rules)
        let client = try await RawConnection.connect(port: gateway.port)
        try await client.send("GET /gate/never HTTP/1.1\r\nHost: a\r\n\r\n")
        await upstream.waitForGate("never")
        await gateway.beginShutdown()
        let response = try #require(try await client.readResponse())
        #expect(response.status == 503)
        #expect(response.bodyText.contains("shutting_down"))
        try await gateway.waitUntilStopped()
        #expect(gateway.audit.all.first?.reason == "shutting_down")
        await upstream.stop()
    }
}
