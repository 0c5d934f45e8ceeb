import NIOCore
import NIOHPACK
import NIOPosix
import NIOSSL
import Synchronization

/// One HTTP/2 frame as it is on the wire (RFC 9113 §4.1), built and parsed by hand so a test can
/// send what no conforming client would: endless CONTINUATION frames, resets by the thousand,
/// floods of PING and SETTINGS.
struct RawFrame: Sendable {
    enum Kind: UInt8 {
        case data = 0, headers, priority, rstStream, settings, pushPromise, ping, goAway, windowUpdate, continuation
    }

    /// RFC 9113 §7.
    enum ErrorCode: UInt32 {
        case noError = 0, protocolError, internalError, flowControlError, settingsTimeout, streamClosed
        case frameSizeError, refusedStream, cancel, compressionError, connectError, enhanceYourCalm
    }

    static let endStream: UInt8 = 0x1
    static let ack: UInt8 = 0x1
    static let endHeaders: UInt8 = 0x4

    var type: UInt8
    var flags: UInt8
    var streamID: UInt32
    var payload: ByteBuffer

    var kind: Kind? { Kind(rawValue: self.type) }
    var endsStream: Bool { self.flags & Self.endStream != 0 }

    /// RST_STREAM's code, or GOAWAY's.
    var errorCode: ErrorCode? {
        switch self.kind {
        case .rstStream: return self.payload.getInteger(at: self.payload.readerIndex, as: UInt32.self).flatMap(ErrorCode.init)
        case .goAway: return self.payload.getInteger(at: self.payload.readerIndex + 4, as: UInt32.self).flatMap(ErrorCode.init)
        default: return nil
        }
    }

    /// GOAWAY's last stream ID.
    var lastStreamID: UInt32? {
        guard self.kind == .goAway else { return nil }
        return self.payload.getInteger(at: self.payload.readerIndex, as: UInt32.self).map { $0 & 0x7FFF_FFFF }
    }

    /// SETTINGS parameters (identifier, value).
    var settings: [(UInt16, UInt32)] {
        var payload = self.payload
        var result: [(UInt16, UInt32)] = []
        while let id = payload.readInteger(as: UInt16.self), let value = payload.readInteger(as: UInt32.self) {
            result.append((id, value))
        }
        return result
    }

    func write(to buffer: inout ByteBuffer) {
        let length = self.payload.readableBytes
        buffer.writeInteger(UInt8(truncatingIfNeeded: length >> 16))
        buffer.writeInteger(UInt16(truncatingIfNeeded: length))
        buffer.writeInteger(self.type)
        buffer.writeInteger(self.flags)
        buffer.writeInteger(self.streamID & 0x7FFF_FFFF)
        buffer.writeImmutableBuffer(self.payload)
    }

    static func headers(_ streamID: UInt32, _ block: ByteBuffer, endStream: Bool, endHeaders: Bool = true) -> RawFrame {
        RawFrame(
            type: Kind.headers.rawValue,
            flags: (endStream ? Self.endStream : 0) | (endHeaders ? Self.endHeaders : 0),
            streamID: streamID,
            payload: block
        )
    }

    static func continuation(_ streamID: UInt32, _ fragment: ByteBuffer, endHeaders: Bool) -> RawFrame {
        RawFrame(type: Kind.continuation.rawValue, flags: endHeaders ? Self.endHeaders : 0, streamID: streamID, payload: fragment)
    }

    static func data(_ streamID: UInt32, _ bytes: ByteBuffer, endStream: Bool) -> RawFrame {
        RawFrame(type: Kind.data.rawValue, flags: endStream ? Self.endStream : 0, streamID: streamID, payload: bytes)
    }

    static func rstStream(_ streamID: UInt32, _ code: ErrorCode) -> RawFrame {
        var payload = ByteBuffer()
        payload.writeInteger(code.rawValue)
        return RawFrame(type: Kind.rstStream.rawValue, flags: 0, streamID: streamID, payload: payload)
    }

    static func settings(_ parameters: [(UInt16, UInt32)]) -> RawFrame {
        var payload = ByteBuffer()
        for (id, value) in parameters {
            payload.writeInteger(id)
            payload.writeInteger(value)
        }
        return RawFrame(type: Kind.settings.rawValue, flags: 0, streamID: 0, payload: payload)
    }

    static let settingsAck = RawFrame(type: Kind.settings.rawValue, flags: Self.ack, streamID: 0, payload: ByteBuffer())

    static func ping(_ opaque: UInt64, ack: Bool = false) -> RawFrame {
        var payload = ByteBuffer()
        payload.writeInteger(opaque)
        return RawFrame(type: Kind.ping.rawValue, flags: ack ? Self.ack : 0, streamID: 0, payload: payload)
    }

    static func windowUpdate(_ streamID: UInt32, _ increment: Int) -> RawFrame {
        var payload = ByteBuffer()
        payload.writeInteger(UInt32(increment))
        return RawFrame(type: Kind.windowUpdate.rawValue, flags: 0, streamID: streamID, payload: payload)
    }
}

/// What a raw connection received, readable while a test floods (the frames themselves go
/// through `RawHTTP2Connection.nextFrame()`).
final class RawFrameTally: Sendable {
    private struct Counts {
        var frames: [UInt8: Int] = [:]
        var bytes = 0
        var firstGoAway: ContinuousClock.Instant?
    }

    private let counts = Mutex(Counts())

    func count(_ frame: RawFrame) {
        let now = ContinuousClock.now
        self.counts.withLock { counts in
            counts.frames[frame.type, default: 0] += 1
            if frame.kind == .goAway, counts.firstGoAway == nil { counts.firstGoAway = now }
        }
    }
    func add(bytes: Int) { self.counts.withLock { $0.bytes += bytes } }

    func frames(_ kind: RawFrame.Kind) -> Int { self.counts.withLock { $0.frames[kind.rawValue] ?? 0 } }
    var bytes: Int { self.counts.withLock { $0.bytes } }

    /// How long ago the first GOAWAY arrived, for a failing test's message.
    var sinceFirstGoAway: String {
        guard let first = self.counts.withLock({ $0.firstGoAway }) else { return "no GOAWAY" }
        return "first GOAWAY \(ContinuousClock.now - first) ago"
    }
}

/// A client HTTP/2 connection over TLS (ALPN h2) to 127.0.0.1 that writes hand-made frames:
/// no NIOHTTP2 on the client side, so nothing validates or limits what it sends. It answers the
/// server's SETTINGS with an ACK (so the server's limits are in force), and nothing else on its
/// own: flow control, PING replies and the order of frames are the test's.
final class RawHTTP2Connection {
    let channel: any Channel
    let tally: RawFrameTally
    private var iterator: AsyncStream<RawFrame>.AsyncIterator
    private var encoder = HPACKEncoder(allocator: ByteBufferAllocator())
    private var decoder = HPACKDecoder(allocator: ByteBufferAllocator(), maxDynamicTableSize: 4096, maxHeaderListSize: 1 << 20)
    /// The next client stream ID (odd, RFC 9113 §5.1.1).
    private(set) var nextStreamID: UInt32 = 1
    /// Frames read while waiting for another stream's, handed out first.
    private var pending: [RawFrame] = []

    static let preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

    private init(channel: any Channel, tally: RawFrameTally, stream: AsyncStream<RawFrame>) {
        self.channel = channel
        self.tally = tally
        self.iterator = stream.makeAsyncIterator()
    }

    /// Connects, completes TLS with ALPN h2, and sends the preface and `settings`.
    static func connect(
        port: Int,
        caPEM: String,
        settings: [(UInt16, UInt32)] = [],
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> RawHTTP2Connection {
        let context = try TLSClients.context(trusting: caPEM, alpn: ["h2"])
        let tally = RawFrameTally()
        let (stream, continuation) = AsyncStream<RawFrame>.makeStream()
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: "localhost"))
                    try channel.pipeline.syncOperations.addHandler(RawFrameReader(continuation: continuation, tally: tally, settings: settings))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        return RawHTTP2Connection(channel: channel, tally: tally, stream: stream)
    }

    /// Takes a stream ID for a new stream.
    func newStreamID() -> UInt32 {
        defer { self.nextStreamID += 2 }
        return self.nextStreamID
    }

    /// An HPACK-encoded header block (the connection's encoder keeps its dynamic table).
    func block(_ fields: [(String, String)]) throws -> ByteBuffer {
        var headers = HPACKHeaders()
        for (name, value) in fields { headers.add(name: name, value: value) }
        var buffer = ByteBuffer()
        try self.encoder.encode(headers: headers, to: &buffer)
        return buffer
    }

    /// The request pseudo-fields for `method` and `path` on `https://localhost`, then `fields`.
    func requestBlock(_ method: String = "GET", _ path: String, _ fields: [(String, String)] = []) throws -> ByteBuffer {
        try self.block([(":method", method), (":scheme", "https"), (":authority", "localhost"), (":path", path)] + fields)
    }

    func decode(_ block: ByteBuffer) throws -> HPACKHeaders {
        var block = block
        return try self.decoder.decodeHeaders(from: &block)
    }

    func send(_ frames: RawFrame...) async throws {
        try await self.send(frames)
    }

    func send(_ frames: [RawFrame]) async throws {
        var buffer = self.channel.allocator.buffer(capacity: frames.reduce(0) { $0 + 9 + $1.payload.readableBytes })
        for frame in frames { frame.write(to: &buffer) }
        try await self.channel.writeAndFlush(buffer)
    }

    /// The next frame the server sent, nil once the connection closed.
    func nextFrame() async -> RawFrame? {
        if !self.pending.isEmpty { return self.pending.removeFirst() }
        return await self.iterator.next()
    }

    /// The next frame that `matches`; frames before it that do not are kept for `nextFrame()`.
    /// Nil once the connection closed.
    func nextFrame(where matches: (RawFrame) -> Bool) async -> RawFrame? {
        if let index = self.pending.firstIndex(where: matches) { return self.pending.remove(at: index) }
        while let frame = await self.iterator.next() {
            if matches(frame) { return frame }
            self.pending.append(frame)
        }
        return nil
    }

    /// Reads until the server closes the connection; returns every frame not yet taken.
    func readUntilClosed() async -> [RawFrame] {
        var frames = self.pending
        self.pending = []
        while let frame = await self.iterator.next() { frames.append(frame) }
        return frames
    }

    /// Waits for the server's SETTINGS (the reader has ACKed it, so its limits are in force
    /// once the server reads the ACK).
    func waitForServerSettings() async -> RawFrame? {
        await self.nextFrame { $0.kind == .settings && $0.flags & RawFrame.ack == 0 }
    }

    /// One response on `streamID`, read frame by frame: its head, DATA (credited back to the
    /// server as it arrives, stream and connection), trailers, or the RST_STREAM that ended it.
    func readResponse(_ streamID: UInt32) async throws -> RawResponse {
        var response = RawResponse()
        var block: ByteBuffer?
        while let frame = await self.nextFrame(where: { $0.streamID == streamID || $0.kind == .goAway }) {
            switch frame.kind {
            case .headers, .continuation:
                var fragment = frame.payload
                if block == nil { block = ByteBuffer() }
                block!.writeBuffer(&fragment)
                guard frame.flags & RawFrame.endHeaders != 0 else { continue }
                let headers = try self.decode(block!)
                block = nil
                if response.status == nil {
                    response.status = headers.first(name: ":status").flatMap(Int.init)
                    response.headers = headers
                    // 1xx heads are followed by the real one (RFC 9113 §8.1).
                    if let status = response.status, status < 200 {
                        response.status = nil
                        continue
                    }
                } else {
                    response.trailers = headers
                }
                if frame.endsStream { return response }
            case .data:
                var payload = frame.payload
                let count = payload.readableBytes
                response.body.writeBuffer(&payload)
                // The server may close as soon as this stream was its last (a drain): then the
                // credit has nowhere to go, and the response is still whole.
                if count > 0 { try? await self.send(.windowUpdate(streamID, count), .windowUpdate(0, count)) }
                if frame.endsStream { return response }
            case .rstStream:
                response.reset = frame.errorCode
                return response
            case .goAway:
                response.goAway = frame.errorCode
                return response
            default:
                continue
            }
        }
        response.connectionClosed = true
        return response
    }

    /// Sends a request with `body` (in DATA frames of at most 16,384 bytes, the default
    /// SETTINGS_MAX_FRAME_SIZE) and reads its response. The body must fit the server's windows.
    func request(
        _ method: String = "GET",
        _ path: String,
        _ fields: [(String, String)] = [],
        body: ByteBuffer? = nil
    ) async throws -> RawResponse {
        let streamID = self.newStreamID()
        var frames = [RawFrame.headers(streamID, try self.requestBlock(method, path, fields), endStream: body == nil)]
        if var body {
            repeat {
                let piece = body.readSlice(length: min(16_384, body.readableBytes))!
                frames.append(.data(streamID, piece, endStream: body.readableBytes == 0))
            } while body.readableBytes > 0
        }
        try await self.send(frames)
        return try await self.readResponse(streamID)
    }

    /// Writes `chunk` again and again until the server closes the connection or `limit` passes
    /// (then the client closes it). Returns the bytes written and whether the server closed.
    func flood(_ chunk: ByteBuffer, for limit: Duration) async -> (written: Int, closedByServer: Bool) {
        let channel = self.channel
        let writer = Task {
            var written = 0
            while !Task.isCancelled, channel.isActive {
                do { try await channel.writeAndFlush(chunk) } catch { break }
                written += chunk.readableBytes
            }
            return written
        }
        // The flood ends at the server's close, or at `limit`.
        let timer = Task {
            try? await Task.sleep(for: limit)
            return !Task.isCancelled
        }
        channel.closeFuture.whenComplete { _ in timer.cancel() }
        let closedByServer = !(await timer.value)
        writer.cancel()
        if !closedByServer { try? await channel.close() }
        return (await writer.value, closedByServer)
    }

    func close() async {
        try? await self.channel.close()
    }
}

extension RawHTTP2Connection {
    /// CVE-2023-44487: HEADERS then RST_STREAM at once, stream after stream, 50 to a write,
    /// until the gateway closes the connection or `limit` streams were opened. Returns how
    /// many were opened.
    func rapidReset(limit: Int = 100_000) async throws -> Int {
        var opened = 0
        while self.channel.isActive, opened < limit {
            var frames: [RawFrame] = []
            for _ in 0..<50 {
                let streamID = self.newStreamID()
                frames.append(.headers(streamID, try self.requestBlock("GET", "/rapid"), endStream: true))
                frames.append(.rstStream(streamID, .cancel))
            }
            do { try await self.send(frames) } catch { break }
            opened += 50
        }
        return opened
    }
}

/// A response as `RawHTTP2Connection.readResponse` saw it.
struct RawResponse {
    var status: Int?
    var headers = HPACKHeaders()
    var body = ByteBuffer()
    var trailers: HPACKHeaders?
    /// The RST_STREAM code that ended the stream, if one did.
    var reset: RawFrame.ErrorCode?
    /// The GOAWAY code that arrived while waiting, if one did.
    var goAway: RawFrame.ErrorCode?
    var connectionClosed = false

    var bodyText: String { String(buffer: self.body) }
}

/// Sends the preface first of all; splits the bytes from the server into frames; ACKs the
/// server's SETTINGS.
private final class RawFrameReader: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let continuation: AsyncStream<RawFrame>.Continuation
    let tally: RawFrameTally
    let settings: [(UInt16, UInt32)]
    private var buffer = ByteBuffer()

    init(continuation: AsyncStream<RawFrame>.Continuation, tally: RawFrameTally, settings: [(UInt16, UInt32)]) {
        self.continuation = continuation
        self.tally = tally
        self.settings = settings
    }

    /// The preface goes out before anything else can: TLS holds it until its handshake ends,
    /// and no SETTINGS ACK can be written before it (RFC 9113 §3.4).
    func channelActive(context: ChannelHandlerContext) {
        var bytes = context.channel.allocator.buffer(string: RawHTTP2Connection.preface)
        RawFrame.settings(self.settings).write(to: &bytes)
        context.writeAndFlush(Self.wrapOutboundOut(bytes), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = Self.unwrapInboundIn(data)
        self.tally.add(bytes: bytes.readableBytes)
        self.buffer.writeBuffer(&bytes)
        while self.buffer.readableBytes >= 9 {
            let start = self.buffer.readerIndex
            let high = Int(self.buffer.getInteger(at: start, as: UInt8.self)!)
            let low = Int(self.buffer.getInteger(at: start + 1, as: UInt16.self)!)
            let length = high << 16 | low
            guard self.buffer.readableBytes >= 9 + length else { break }
            let type = self.buffer.getInteger(at: start + 3, as: UInt8.self)!
            let flags = self.buffer.getInteger(at: start + 4, as: UInt8.self)!
            let streamID = self.buffer.getInteger(at: start + 5, as: UInt32.self)! & 0x7FFF_FFFF
            self.buffer.moveReaderIndex(forwardBy: 9)
            let payload = self.buffer.readSlice(length: length)!
            let frame = RawFrame(type: type, flags: flags, streamID: streamID, payload: payload)
            self.tally.count(frame)
            if frame.kind == .settings, flags & RawFrame.ack == 0 {
                var ack = context.channel.allocator.buffer(capacity: 9)
                RawFrame.settingsAck.write(to: &ack)
                context.writeAndFlush(Self.wrapOutboundOut(ack), promise: nil)
            }
            self.continuation.yield(frame)
        }
        self.buffer.discardReadBytes()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.continuation.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
