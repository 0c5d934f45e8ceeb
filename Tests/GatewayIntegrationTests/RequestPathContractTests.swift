import Crypto
import Foundation
@testable import GatewayApp
import GatewayCredentials
import GatewayProxy
import GatewayRules
import NIOCore
import Testing

/// The contract points the byte-level request path brought in line (SPEC §9 "Bodies and
/// methods", "Retries", "Snapshots", "Abandoned requests", the audit's request-line rule), each
/// over real sockets.
@Suite(.timeLimit(.minutes(3))) struct RequestPathContractTests {
    @Test func clientTrailersPassTheSameRemovalRulesAsTheHead() async throws {
        let upstream = try await TestUpstream.start()
        let gateway = try await GatewayHarness.start(testRules(upstreamPort: upstream.port, routes: [publicRoute()]))
        let client = try await RawConnection.connect(port: gateway.port)
        try await client.send(
            "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n"
                + "Authorization: Bearer stolen\r\nX-Auth-Subject: mallory\r\nX-Api-Key: gk_x\r\nX-Checksum: 1\r\n\r\n"
        )
        let response = try #require(try await client.readResponse())
        #expect(response.status == 200)
        #expect(response.bodyText.contains("t:x-checksum=1\n"))
        #expect(!response.bodyText.contains("t:authorization"))
        #expect(!response.bodyText.contains("t:x-auth-subject"))
        #expect(!response.bodyText.contains("t:x-api-key"))
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func aPostIsNeverSentASecondTime() async throws {
        let upstream = try await TestUpstream.start()
        let gateway = try await GatewayHarness.start(testRules(upstreamPort: upstream.port, routes: [publicRoute()]))
        let client = try await RawConnection.connect(port: gateway.port)
        // A first request leaves a pooled connection; the POST reuses it and the upstream drops it.
        try await client.send("GET /warm HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try await client.readResponse()?.status == 200)
        try await client.send("POST /drop HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n")
        let response = try #require(try await client.readResponse())
        #expect(response.status == 502)
        #expect(upstream.requests.all.filter { $0 == "/drop" }.count == 1)
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func anIdempotentRequestIsSentOnceMoreOnAFreshConnection() async throws {
        let upstream = try await TestUpstream.start()
        let gateway = try await GatewayHarness.start(testRules(upstreamPort: upstream.port, routes: [publicRoute()]))
        let client = try await RawConnection.connect(port: gateway.port)
        try await client.send("GET /drop HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try await client.readResponse()?.status == 502)
        // Once more, never a third time.
        #expect(upstream.requests.all.filter { $0 == "/drop" }.count == 2)
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func pipelinedRequestsBehindAnAbandonedOneAreAudited499() async throws {
        let upstream = try await TestUpstream.start()
        let gateway = try await GatewayHarness.start(testRules(upstreamPort: upstream.port, routes: [publicRoute()]))
        let client = try await RawConnection.connect(port: gateway.port)
        try await client.send(
            "GET /gate/first HTTP/1.1\r\nHost: a\r\n\r\nGET /second HTTP/1.1\r\nHost: a\r\n\r\nGET /third HTTP/1.1\r\nHost: a\r\n\r\n"
        )
        await upstream.waitForGate("first")
        await client.close()
        await gateway.audit.waitForRecords(3)
        let records = gateway.audit.all
        #expect(records.map(\.path) == ["/gate/first", "/second", "/third"])
        #expect(records.map(\.status) == [499, 499, 499])
        #expect(records.map(\.reason) == ["client_closed", "client_closed", "client_closed"])
        upstream.open("first")
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func aReloadDuringARequestLeavesItsLimitsAlone() async throws {
        let upstream = try await TestUpstream.start()
        let rules = testRules(upstreamPort: upstream.port, routes: [publicRoute()]) { $0.server.maxBodyBytes = 1000 }
        let gateway = try await GatewayHarness.start(rules)
        let client = try await RawConnection.connect(port: gateway.port)
        try await client.send("POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n" + String(repeating: "a", count: 100) + "\r\n")
        await upstream.requests.waitFor("/upload")
        var tighter = rules
        tighter.server.maxBodyBytes = 10
        gateway.server.apply(try ProxyConfiguration(rules: tighter, auditSink: gateway.audit))
        // A request on another connection of the same (single) event loop is answered after the
        // loop took the new rules: the reload has landed while the upload is in flight.
        let probe = try await RawConnection.connect(port: gateway.port)
        try await probe.send("GET /probe HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try await probe.readResponse()?.status == 200)
        await probe.close()
        try await client.send("1f4\r\n" + String(repeating: "b", count: 500) + "\r\n0\r\n\r\n")
        let response = try #require(try await client.readResponse())
        #expect(response.status == 200)
        #expect(response.bodyText.hasPrefix("bytes=600 "))
        // A request that starts after the reload runs under the new limit.
        try await client.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 20\r\n\r\n" + String(repeating: "c", count: 20))
        #expect(try await client.readResponse()?.status == 413)
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func aHeaderLineSentAsTheRequestLineLeavesNoRecord() async throws {
        let upstream = try await TestUpstream.start()
        let gateway = try await GatewayHarness.start(testRules(upstreamPort: upstream.port, routes: [publicRoute()]))
        let client = try await RawConnection.connect(port: gateway.port)
        try await client.send("X-API-Key: gk_live_0123456789abcdef\r\n\r\n")
        let response = try #require(try await client.readResponse())
        #expect(response.status == 400)
        #expect(!response.bodyText.contains("gk_live"))
        #expect(await client.waitForClose())
        // A later request on another connection is audited; the refused line never was.
        let other = try await RawConnection.connect(port: gateway.port)
        try await other.send("GET /after HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try await other.readResponse()?.status == 200)
        await gateway.audit.waitForRecords(1)
        #expect(gateway.audit.all.map(\.path) == ["/after"])
        #expect(!gateway.audit.all.contains { $0.method.contains("X-API-Key") || $0.path.contains("gk_live") })
        await other.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func anUnsupportedTransferCodingIsOneAnswerAndOneRecord() async throws {
        let upstream = try await TestUpstream.start()
        let gateway = try await GatewayHarness.start(testRules(upstreamPort: upstream.port, routes: [publicRoute()]))
        for coding in ["gzip", "xchunked", "chunked;x"] {
            let client = try await RawConnection.connect(port: gateway.port)
            try await client.send("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \(coding)\r\n\r\n")
            let response = try #require(try await client.readResponse())
            #expect(response.status == 501 || response.status == 400, "\(coding)")
            #expect(await client.waitForClose())
        }
        let other = try await RawConnection.connect(port: gateway.port)
        try await other.send("GET /after HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try await other.readResponse()?.status == 200)
        await gateway.audit.waitForRecords(4)
        let records = gateway.audit.all
        #expect(records.count == 4)
        #expect(Set(records.map(\.requestID)).count == 4)
        #expect(records.dropLast().allSatisfy { $0.method == "POST" && $0.path == "/x" })
        await other.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test(arguments: [
        "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 005\r\n\r\nhello",
        "GET  /x HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /x  HTTP/1.1\r\nHost: a\r\n\r\n",
    ])
    func leniencyLLHTTPAllowsIsRefused(request: String) async throws {
        let upstream = try await TestUpstream.start()
        let gateway = try await GatewayHarness.start(testRules(upstreamPort: upstream.port, routes: [publicRoute()]))
        let client = try await RawConnection.connect(port: gateway.port)
        try await client.send(request)
        #expect(try await client.readResponse()?.status == 400)
        #expect(upstream.requests.all.isEmpty)
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func explainEndsWithTheReasonCodeOfAnAllowedRequest() throws {
        let directory = try makeTemporaryDirectory("explain-ok")
        let path = directory.appendingPathComponent("gateway.conf").path
        try """
            [[upstreams]]
            name = "up"
            targets = ["127.0.0.1:9"]

            [[routes]]
            name = "open"
            path_prefix = "/"
            upstream = "up"
            public = true
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let (lines, status) = ExplainCommand.run(rulesPath: path, method: "GET", url: "http://a.example/x", headers: [])
        #expect(status == 0)
        let last = try #require(lines.last)
        #expect(last.hasPrefix("decision: allow ok "))
    }
}
