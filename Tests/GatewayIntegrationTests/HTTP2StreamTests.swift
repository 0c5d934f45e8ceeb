import Crypto
import Foundation
import GatewayProxy
import GatewayRules
import NIOCore
import Testing

/// What only HTTP/2 has, proven over TLS with ALPN h2: bodies in DATA frames under flow
/// control (with and without `content-length`, slow readers), a stream reset by its client,
/// trailers both ways, cookie crumbs, connection-specific fields, the audit record per stream,
/// a reload during a stream, and graceful shutdown by GOAWAY.
@Suite(.timeLimit(.minutes(3))) struct HTTP2StreamTests {
    let fixture: HTTP2Fixture

    init() throws {
        self.fixture = try HTTP2Fixture("h2-stream")
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        digest.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }

    @Test(arguments: [true, false])
    func aLargeUploadStreamsThroughUnderFlowControl(declaresLength: Bool) async throws {
        let (upstream, gateway) = try await self.fixture.start { $0.server.maxBodyBytes = 1 << 30 }
        let client = try await self.fixture.client(gateway)
        let size = 16 * 1024 * 1024
        let stream = try await client.openStream()
        let fields = declaresLength ? [("content-length", String(size))] : []
        try await stream.sendHeaders(HTTP2TestStream.requestFields("POST", "/upload", fields), endStream: false)
        var hasher = SHA256()
        var sent = 0
        // Each write completes once the gateway's window admitted it: the gateway returns
        // credit only as the bytes go upstream.
        while sent < size {
            let count = min(64 * 1024, size - sent)
            var chunk = client.channel.allocator.buffer(capacity: count)
            chunk.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { pointer in
                writeDownloadPattern(from: sent, into: UnsafeMutableRawBufferPointer(rebasing: pointer[0..<count]))
                return count
            }
            chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
            sent += count
            try await stream.sendData(chunk, endStream: sent == size)
        }
        let response = try await stream.readResponse()
        #expect(response.status == 200)
        #expect(response.bodyText == "bytes=\(size) sha256=\(Self.hex(hasher.finalize()))")
        #expect(gateway.audit.all.first?.bytesIn == Int64(size))
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func aSlowReaderHoldsTheUpstreamNotTheGatewaysMemory() async throws {
        let (upstream, gateway) = try await self.fixture.start()
        let client = try await self.fixture.client(gateway)
        let size = 16 * 1024 * 1024
        let stream = try await client.openStream()
        try await stream.sendHeaders(HTTP2TestStream.requestFields("GET", "/download/\(size)", []), endStream: true)
        let head = try await stream.readHead()
        #expect(head.status == 200)
        // The client stops reading: no WINDOW_UPDATE goes back, so the gateway can send no
        // more than the window, holds its upstream reads, and the upstream has to stop.
        try await stream.pauseReading()
        let event = await upstream.downloads.firstEvent()
        guard case .stalled(let written) = event else {
            Issue.record("the upstream wrote the whole body to a client that was not reading: \(event)")
            return
        }
        #expect(written < size / 2)
        try await stream.resumeReading()
        let response = try await stream.readRest(of: head)
        #expect(response.body.readableBytes == size)
        let intact = response.body.withUnsafeReadableBytes { bytes in
            holdsDownloadPattern(bytes)
        }
        #expect(intact)
        await gateway.audit.waitForRecords(1)
        #expect(gateway.audit.all.first?.bytesOut == Int64(size))
        print("slow reader: the upstream stopped after \(written) of \(size) bytes")
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func aStreamedBodyCrossingTheLimitIsCut() async throws {
        let (upstream, gateway) = try await self.fixture.start { $0.server.maxBodyBytes = 1000 }
        let client = try await self.fixture.client(gateway)
        let stream = try await client.openStream()
        try await stream.sendHeaders(HTTP2TestStream.requestFields("POST", "/upload", []), endStream: false)
        try await stream.sendData(ByteBuffer(repeating: UInt8(ascii: "z"), count: 600), endStream: false)
        // The second piece may find the stream already answered and reset: that is the cut.
        try? await stream.sendData(ByteBuffer(repeating: UInt8(ascii: "z"), count: 600), endStream: true)
        let response = try await stream.readResponse()
        #expect(response.status == 413)
        #expect(response.bodyText.contains("body_too_large"))
        await gateway.audit.waitForRecords(1)
        let record = try #require(gateway.audit.all.first)
        #expect(record.decision == "deny" && record.reason == "body_too_large" && record.status == 413)
        // The connection goes on.
        #expect(try await client.exchange("GET", "/next").status == 200)
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func aStreamResetBeforeItsResponseIsAudited499() async throws {
        let (upstream, gateway) = try await self.fixture.start()
        let client = try await self.fixture.client(gateway)
        let stream = try await client.openStream()
        try await stream.sendHeaders(HTTP2TestStream.requestFields("GET", "/gate/reset", []), endStream: true)
        await upstream.waitForGate("reset")
        try await stream.reset(.cancel)
        await gateway.audit.waitForRecords(1)
        let record = try #require(gateway.audit.all.first)
        #expect(record.status == 499)
        #expect(record.reason == "client_closed")
        #expect(record.path == "/gate/reset")
        upstream.open("reset")
        // Only that stream ended: the connection serves the next one.
        #expect(try await client.exchange("GET", "/after").status == 200)
        await gateway.audit.waitForRecords(2)
        #expect(gateway.audit.all.map(\.status) == [499, 200])
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func requestTrailersAreFilteredAndResponseTrailersRelayed() async throws {
        let (upstream, gateway) = try await self.fixture.start()
        let client = try await self.fixture.client(gateway)
        let echoed = try await client.exchange(
            "POST",
            "/echo",
            body: ByteBuffer(string: "hello"),
            trailers: [("authorization", "Bearer stolen"), ("x-auth-subject", "mallory"), ("x-api-key", "gk_x"), ("x-checksum", "1")]
        )
        #expect(echoed.status == 200)
        #expect(echoed.bodyText.contains("body=5\n"))
        #expect(echoed.bodyText.contains("t:x-checksum=1\n"))
        for removed in ["authorization", "x-auth-subject", "x-api-key"] {
            #expect(!echoed.bodyText.contains("t:\(removed)"), "\(removed)")
        }
        // An upstream's chunked trailer field reaches the client as a trailing HEADERS frame.
        let chunked = try await client.exchange("GET", "/chunked/3")
        #expect(chunked.status == 200)
        #expect(chunked.body.readableBytes == 600)
        #expect(chunked.trailers?.first(name: "x-checksum") == "pieces=3")
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func cookieCrumbsAreJoinedAndHostComesFromAuthority() async throws {
        let (upstream, gateway) = try await self.fixture.start()
        let client = try await self.fixture.client(gateway)
        // RFC 9113 §8.2.3: crumbs are joined with "; " for an HTTP/1.1 upstream.
        let response = try await client.exchange("GET", "/c", [("cookie", "a=1"), ("cookie", "b=2")], authority: "shop.example:8443")
        #expect(response.bodyText.contains("h:cookie=a=1; b=2\n"))
        #expect(response.bodyText.components(separatedBy: "h:cookie=").count == 2)
        #expect(response.bodyText.contains("h:host=shop.example:8443\n"))
        #expect(gateway.audit.all.first?.host == "shop.example")
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test(arguments: [
        ("connection", "keep-alive"), ("te", "gzip"), ("transfer-encoding", "chunked"), ("keep-alive", "timeout=5"),
        // RFC 9113 §8.2.1: CR, LF or NUL in a value (an HTTP/1.1 header injected upstream), an
        // uppercase name.
        ("x-note", "a\r\nx-injected: 1"), ("x-note", "a\u{0}b"), ("X-Note", "1"),
    ])
    func connectionSpecificFieldsMakeARequestMalformed(name: String, value: String) async throws {
        let (upstream, gateway) = try await self.fixture.start()
        let connection = try await self.fixture.raw(gateway.port)
        // RFC 9113 §8.2.2: a request with a connection-specific field is malformed — a stream
        // error, nothing forwarded; the connection goes on.
        let streamID = connection.newStreamID()
        try await connection.send(.headers(streamID, try connection.requestBlock("GET", "/hop", [(name, value)]), endStream: true))
        let response = try await connection.readResponse(streamID)
        #expect(response.reset == .protocolError)
        #expect(response.status == nil)
        #expect(try await connection.request("GET", "/fine").status == 200)
        #expect(upstream.requests.all == ["/fine"])
        await connection.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func everyStreamLeavesOneRecord() async throws {
        let (upstream, gateway) = try await self.fixture.start()
        let client = try await self.fixture.client(gateway)
        async let first = client.exchange("GET", "/one?q=1")
        async let second = client.exchange("POST", "/upload", [("content-length", "5")], body: ByteBuffer(string: "12345"))
        async let third = client.exchange("GET", "/download/100")
        let responses = try await [first, second, third]
        #expect(responses.map(\.status) == [200, 200, 200])
        await gateway.audit.waitForRecords(3)
        let records = gateway.audit.all
        #expect(records.count == 3)
        #expect(Set(records.map(\.requestID)) == Set(responses.compactMap { $0.header("x-request-id") }))
        let upload = try #require(records.first { $0.path == "/upload" })
        #expect(upload.method == "POST")
        #expect(upload.host == "localhost")
        #expect(upload.client == "127.0.0.1")
        #expect(upload.route == "public")
        #expect(upload.decision == "allow" && upload.reason == "ok" && upload.status == 200)
        #expect(upload.bytesIn == 5)
        #expect(upload.bytesOut == Int64(responses[1].body.readableBytes))
        #expect(upload.upstream == "127.0.0.1:\(upstream.port)")
        #expect(records.first { $0.path == "/download/100" }?.bytesOut == 100)
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func aReloadDuringAStreamLeavesItsLimitsAlone() async throws {
        let upstream = try await TestUpstream.start()
        let rules = try self.fixture.rules(upstreamPort: upstream.port, routes: [publicRoute()]) { $0.server.maxBodyBytes = 1000 }
        let gateway = try await GatewayHarness.start(rules)
        let client = try await self.fixture.client(gateway)
        let stream = try await client.openStream()
        try await stream.sendHeaders(HTTP2TestStream.requestFields("POST", "/upload", []), endStream: false)
        try await stream.sendData(ByteBuffer(repeating: UInt8(ascii: "a"), count: 100), endStream: false)
        await upstream.requests.waitFor("/upload")
        var tighter = rules
        tighter.server.maxBodyBytes = 10
        gateway.server.apply(try ProxyConfiguration(rules: tighter, auditSink: gateway.audit))
        // A stream that starts after the reload on the same (single) loop is answered after
        // the loop took the new rules: the reload landed while the upload is in flight.
        #expect(try await client.exchange("GET", "/probe").status == 200)
        try await stream.sendData(ByteBuffer(repeating: UInt8(ascii: "b"), count: 500), endStream: true)
        let response = try await stream.readResponse()
        #expect(response.status == 200)
        #expect(response.bodyText.hasPrefix("bytes=600 "))
        // A stream that starts after the reload runs under the new limit.
        let late = try await client.exchange("POST", "/upload", [("content-length", "20")], body: ByteBuffer(repeating: 0x63, count: 20))
        #expect(late.status == 413)
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func gracefulShutdownSendsGoAwayFinishesStreamsAndRefusesNewOnes() async throws {
        // A grace no loaded machine outlasts: the in-flight stream must finish, not be cut.
        let (upstream, gateway) = try await self.fixture.start { $0.server.shutdownGrace = .seconds(300) }
        let connection = try await self.fixture.raw(gateway.port)
        let inFlight = connection.newStreamID()
        try await connection.send(.headers(inFlight, try connection.requestBlock("GET", "/gate/drain"), endStream: true))
        await upstream.waitForGate("drain")
        await gateway.beginShutdown()
        let goAway = try #require(await connection.nextFrame { $0.kind == .goAway })
        #expect(goAway.errorCode == .noError)
        #expect(goAway.lastStreamID == inFlight)
        // A stream opened after the GOAWAY is not processed (RFC 9113 §6.8).
        let late = connection.newStreamID()
        try await connection.send(.headers(late, try connection.requestBlock("GET", "/late"), endStream: true))
        upstream.open("drain")
        let response = try await connection.readResponse(inFlight)
        #expect(response.status == 200)
        #expect(response.bodyText == "gate opened")
        let rest = await connection.readUntilClosed()
        #expect(!rest.contains { $0.streamID == late && $0.kind == .headers })
        #expect(connection.tally.frames(.goAway) == 1)
        try await gateway.waitUntilStopped()
        #expect(upstream.requests.all == ["/gate/drain"])
        #expect(gateway.audit.all.map(\.path) == ["/gate/drain"])
        await upstream.stop()
    }
}
