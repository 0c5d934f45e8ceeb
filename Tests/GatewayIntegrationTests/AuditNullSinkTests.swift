import GatewayAudit
import GatewayProxy
import GatewayRules
import Testing

/// `[audit] sink = "/dev/null"` through the proxy: every finished request is counted as
/// written (`gateway_audit_records_total`), allowed or refused, though no record is built.
@Suite(.timeLimit(.minutes(3))) struct AuditNullSinkTests {
    @Test func requestsAreCountedWithoutRecords() async throws {
        let upstream = try await TestUpstream.start()
        let log = try AuditLog(configuration: .init(destination: .file(path: "/dev/null")))
        let rules = testRules(upstreamPort: upstream.port, routes: [publicRoute()])
        let gateway = try await GatewayHarness.start(rules) { rules, _ in
            try ProxyConfiguration(rules: rules, auditSink: log)
        }
        let client = try await RawConnection.connect(port: gateway.port)
        for index in 1...3 {
            try await client.send("GET /item/\(index) HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try await client.readResponse()?.status == 200)
        }
        // A refusal is counted too: a bad request's record is written like any other.
        try await client.send("GET /item HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")
        #expect(try await client.readResponse()?.status == 400)
        #expect(log.recordsWritten == 4)
        #expect(gateway.audit.all.isEmpty)
        try await gateway.stop()
        await log.shutdown()
        await upstream.stop()
    }
}
