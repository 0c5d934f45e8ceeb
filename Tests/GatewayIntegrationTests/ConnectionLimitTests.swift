import NIOCore
import Testing

/// `max_connections`: connections beyond the limit are closed at accept; others keep working.
@Suite(.timeLimit(.minutes(3))) struct ConnectionLimitTests {
    @Test func connectionsBeyondTheLimitAreRefused() async throws {
        let upstream = try await TestUpstream.start()
        let rules = testRules(upstreamPort: upstream.port, routes: [publicRoute()]) { $0.server.maxConnections = 2 }
        let gateway = try await GatewayHarness.start(rules)
        let first = try await RawConnection.connect(port: gateway.port)
        let second = try await RawConnection.connect(port: gateway.port)
        for client in [first, second] {
            try await client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try await client.readResponse()?.status == 200)
        }
        let third = try await RawConnection.connect(port: gateway.port)
        #expect(await third.waitForClose())
        await first.close()
        // A slot is free again once a connection closed.
        var admitted = false
        for _ in 0..<50 where !admitted {
            let retry = try await RawConnection.connect(port: gateway.port)
            try? await retry.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
            admitted = try await retry.readResponse()?.status == 200
            await retry.close()
        }
        #expect(admitted)
        await second.close()
        try await gateway.stop()
        await upstream.stop()
    }
}
