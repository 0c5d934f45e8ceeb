import NIOCore
import Testing

/// HTTP/2 floods against the gateway, from a client that writes hand-made frames (issue 16
/// "Bounds"): each ends the connection with ONE GOAWAY, after which the gateway reads nothing
/// more; streams and header lists are bounded as the gateway's SETTINGS announce.
@Suite(.timeLimit(.minutes(3))) struct HTTP2FloodTests {
    let fixture: HTTP2Fixture

    init() throws {
        self.fixture = try HTTP2Fixture("h2-flood")
    }

    /// A flood lasts at most this long when the gateway does not end it. The gateway closes a
    /// flooding connection within about a second of its GOAWAY (`HTTP2ConnectionGuard`); the
    /// margin is for a loaded CI machine, where every suite shares these event loops.
    static let floodLimit = Duration.seconds(30)

    /// Frames until the connection closed, by kind.
    private func drain(_ connection: RawHTTP2Connection) async -> [RawFrame] {
        await connection.readUntilClosed()
    }

    /// The gateway still serves a new connection after the flood.
    private func expectStillServing(_ gateway: GatewayHarness) async throws {
        let client = try await self.fixture.client(gateway)
        let response = try await client.exchange("GET", "/after-flood")
        #expect(response.status == 200)
        await client.close()
    }

    @Test func aContinuationFloodEndsWithOneGoAway() async throws {
        let (upstream, gateway) = try await self.fixture.start()
        let connection = try await self.fixture.raw(gateway.port)
        // A header block that never ends: HEADERS without END_HEADERS, then CONTINUATION
        // frames without it, 64 to a write, for as long as the gateway reads them.
        let streamID = connection.newStreamID()
        var opening = ByteBuffer()
        RawFrame.headers(streamID, try connection.requestBlock("GET", "/x"), endStream: true, endHeaders: false).write(to: &opening)
        try await connection.channel.writeAndFlush(opening)
        var chunk = ByteBuffer()
        let fragment = ByteBuffer(repeating: UInt8(ascii: "a"), count: 100)
        for _ in 0..<64 { RawFrame.continuation(streamID, fragment, endHeaders: false).write(to: &chunk) }
        let (written, closedByServer) = await connection.flood(chunk, for: Self.floodLimit)
        let frames = await self.drain(connection)
        #expect(closedByServer, "the gateway must close a flooding connection (\(connection.tally.sinceFirstGoAway))")
        let goAways = frames.filter { $0.kind == .goAway }
        #expect(goAways.count == 1)
        #expect(connection.tally.frames(.goAway) == 1)
        #expect(goAways.first?.errorCode == .enhanceYourCalm)
        #expect(gateway.audit.all.isEmpty, "a header block that never ended started no request")
        #expect(upstream.requests.all.isEmpty)
        print("continuation flood: \(written) bytes written before the close, \(connection.tally.frames(.goAway)) GOAWAY")
        try await self.expectStillServing(gateway)
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func aRapidResetClientGetsOneGoAway() async throws {
        let (upstream, gateway) = try await self.fixture.start()
        let connection = try await self.fixture.raw(gateway.port)
        let opened = try await connection.rapidReset()
        let frames = await self.drain(connection)
        let goAways = frames.filter { $0.kind == .goAway }
        #expect(goAways.count == 1)
        #expect(connection.tally.frames(.goAway) == 1)
        #expect(goAways.first?.errorCode == .enhanceYourCalm)
        // Each stream the gateway started is audited once (499 or its answer); it stopped
        // starting them at its reset limit, not at the client's 100,000.
        let records = gateway.audit.all.count
        #expect(records <= 400, "\(records) exchanges started before the GOAWAY")
        #expect(upstream.requests.all.count <= records)
        print("rapid reset: \(opened) streams written, \(records) exchanges audited, \(connection.tally.frames(.goAway)) GOAWAY")
        try await self.expectStillServing(gateway)
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func streamsBeyondMaxConcurrentStreamsAreRefused() async throws {
        let (upstream, gateway) = try await self.fixture.start()
        let connection = try await RawHTTP2Connection.connect(port: gateway.port, caPEM: self.fixture.caPEM)
        let settings = try #require(await connection.waitForServerSettings()).settings
        // SETTINGS_MAX_CONCURRENT_STREAMS (0x3) is 128.
        #expect(settings.first { $0.0 == 0x3 }?.1 == 128)
        // 128 uploads whose bodies have not ended hold their streams open…
        var frames: [RawFrame] = []
        for _ in 0..<128 {
            frames.append(.headers(connection.newStreamID(), try connection.requestBlock("POST", "/upload"), endStream: false))
        }
        try await connection.send(frames)
        // …and one more is refused. RFC 9113 §5.1.2 asks for a stream error (PROTOCOL_ERROR or
        // REFUSED_STREAM); NIOHTTP2 1.46 makes it a connection error — one GOAWAY
        // PROTOCOL_ERROR, and the connection closes (docs/operations.md "HTTP/2 limits").
        let extra = connection.newStreamID()
        try await connection.send(.headers(extra, try connection.requestBlock("POST", "/upload"), endStream: false))
        let rest = await self.drain(connection)
        let goAways = rest.filter { $0.kind == .goAway }
        #expect(goAways.count == 1)
        #expect(goAways.first?.errorCode == .protocolError)
        #expect(!rest.contains { $0.streamID == extra && $0.kind == .headers })
        // The stream beyond the limit never started an exchange; the 128 open ones were
        // abandoned with the connection, each audited once.
        await gateway.audit.waitForRecords(128)
        #expect(upstream.requests.all.count <= 128)
        #expect(gateway.audit.all.count == 128)
        #expect(gateway.audit.all.allSatisfy { $0.status == 499 && $0.reason == "client_closed" })
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func streamErrorsEndOnlyTheirStreamUntilThereAreTooMany() async throws {
        let (upstream, gateway) = try await self.fixture.start()
        let connection = try await self.fixture.raw(gateway.port)
        // A malformed request (RFC 9113 §8.2.2: a connection-specific field) is a stream error:
        // RST_STREAM, and the connection goes on.
        let first = connection.newStreamID()
        try await connection.send(.headers(first, try connection.requestBlock("GET", "/bad", [("connection", "close")]), endStream: true))
        #expect(try await connection.readResponse(first).reset == .protocolError)
        #expect(try await connection.request("GET", "/good").status == 200)
        // Made you reset (CVE-2025-8671): a client that draws resets by the hundred ends its
        // connection with one GOAWAY.
        var sent = 0
        while connection.channel.isActive, sent < 5000 {
            var frames: [RawFrame] = []
            for _ in 0..<50 {
                frames.append(.headers(connection.newStreamID(), try connection.requestBlock("GET", "/bad", [("connection", "close")]), endStream: true))
            }
            do { try await connection.send(frames) } catch { break }
            sent += 50
        }
        let rest = await self.drain(connection)
        let resets = rest.filter { $0.kind == .rstStream }.count
        #expect(rest.filter { $0.kind == .goAway }.count == 1)
        #expect(rest.first { $0.kind == .goAway }?.errorCode == .enhanceYourCalm)
        #expect(resets <= 200)
        #expect(upstream.requests.all == ["/good"])
        print("made you reset: \(sent) malformed streams written, \(resets + 1) RST_STREAM, \(connection.tally.frames(.goAway)) GOAWAY")
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func aHeaderListOverMaxHeaderBytesIsRefused() async throws {
        let (upstream, gateway) = try await self.fixture.start { $0.server.maxHeaderBytes = 1024 }
        let connection = try await RawHTTP2Connection.connect(port: gateway.port, caPEM: self.fixture.caPEM)
        let settings = try #require(await connection.waitForServerSettings()).settings
        // SETTINGS_MAX_HEADER_LIST_SIZE (0x6) announces `max_header_bytes`.
        #expect(settings.first { $0.0 == 0x6 }?.1 == 1024)
        let fits = try await connection.request("GET", "/fits", [("x-fill", String(repeating: "f", count: 600))])
        #expect(fits.status == 200)
        // Over the limit: the header block is not decoded; as nginx does, the connection ends
        // (GOAWAY) — the HPACK state cannot be kept in step with a block not read.
        let streamID = connection.newStreamID()
        try await connection.send(.headers(streamID, try connection.requestBlock("GET", "/big", [("x-fill", String(repeating: "x", count: 2000))]), endStream: true))
        let frames = await self.drain(connection)
        let goAways = frames.filter { $0.kind == .goAway }
        #expect(goAways.count == 1)
        #expect(!frames.contains { $0.streamID == streamID && $0.kind == .headers })
        #expect(upstream.requests.all == ["/fits"])
        #expect(gateway.audit.all.map(\.path) == ["/fits"])
        try await gateway.stop()
        await upstream.stop()
    }

    @Test(arguments: ["ping", "settings"])
    func aControlFrameFloodEndsTheConnection(kind: String) async throws {
        let (upstream, gateway) = try await self.fixture.start()
        let connection = try await self.fixture.raw(gateway.port)
        var chunk = ByteBuffer()
        for index in 0..<100 {
            let frame = kind == "ping" ? RawFrame.ping(UInt64(index)) : RawFrame.settings([(0x4, 65_535)])
            frame.write(to: &chunk)
        }
        let (written, closedByServer) = await connection.flood(chunk, for: Self.floodLimit)
        let frames = await self.drain(connection)
        #expect(closedByServer, "\(kind) flood: \(written) bytes written, \(connection.tally.sinceFirstGoAway)")
        let goAways = frames.filter { $0.kind == .goAway }
        #expect(goAways.count == 1)
        #expect(connection.tally.frames(.goAway) == 1)
        #expect(goAways.first?.errorCode == .enhanceYourCalm)
        // What the flood drew in replies is bounded by the rate limit (200 in 30 s).
        let replies = kind == "ping" ? connection.tally.frames(.ping) : connection.tally.frames(.settings) - 1
        #expect(replies <= 201, "\(replies) replies")
        print("\(kind) flood: \(written) bytes written, \(replies) replies, \(connection.tally.frames(.goAway)) GOAWAY")
        try await self.expectStillServing(gateway)
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func afterAConnectionErrorNothingMoreIsRead() async throws {
        let (upstream, gateway) = try await self.fixture.start()
        let connection = try await self.fixture.raw(gateway.port)
        // A WINDOW_UPDATE of 0 on the connection is a connection error (RFC 9113 §6.9); so is
        // every frame after it in this chunk — each would draw a GOAWAY if it were read.
        var chunk = ByteBuffer()
        for _ in 0..<200 { RawFrame.windowUpdate(0, 0).write(to: &chunk) }
        var requests = ByteBuffer()
        for _ in 0..<50 {
            RawFrame.headers(connection.newStreamID(), try connection.requestBlock("GET", "/never"), endStream: true).write(to: &requests)
        }
        chunk.writeBuffer(&requests)
        let (_, closedByServer) = await connection.flood(chunk, for: Self.floodLimit)
        let frames = await self.drain(connection)
        #expect(closedByServer, "\(connection.tally.sinceFirstGoAway)")
        #expect(frames.filter { $0.kind == .goAway }.count == 1)
        #expect(connection.tally.frames(.goAway) == 1)
        #expect(frames.first { $0.kind == .goAway }?.errorCode == .protocolError)
        #expect(!frames.contains { $0.kind == .headers })
        #expect(upstream.requests.all.isEmpty)
        #expect(gateway.audit.all.isEmpty)
        try await gateway.stop()
        await upstream.stop()
    }
}
