import NIOCore
import NIOHPACK
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import NIOSSL
import Synchronization

/// TLS clients for the HTTPS tests: an HTTP/2 connection that opens streams, and a context for
/// HTTP/1.1 over TLS.
enum TLSClients {
    static func context(trusting caPEM: String, alpn: [String]) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(caPEM.utf8)))
        configuration.applicationProtocols = alpn
        return try NIOSSLContext(configuration: configuration)
    }
}

/// One response as an HTTP/2 stream delivered it.
struct StreamResponse: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: String
}

/// An HTTP/2 client connection over TLS (ALPN h2) to 127.0.0.1.
final class HTTP2TestClient: Sendable {
    let channel: any Channel
    let multiplexer: NIOHTTP2Handler.StreamMultiplexer
    /// The connection-level frames the server sent (SETTINGS, PING, GOAWAY, …).
    let connectionFrames: ConnectionFrameLog

    private init(channel: any Channel, multiplexer: NIOHTTP2Handler.StreamMultiplexer, connectionFrames: ConnectionFrameLog) {
        self.channel = channel
        self.multiplexer = multiplexer
        self.connectionFrames = connectionFrames
    }

    static func connect(port: Int, caPEM: String) async throws -> HTTP2TestClient {
        let context = try TLSClients.context(trusting: caPEM, alpn: ["h2"])
        // TLS and HTTP/2 go into the pipeline together, before the connection is active: the
        // server's SETTINGS can arrive as soon as the handshake ends and must not find a
        // pipeline without the HTTP/2 handler (it would be dropped and the connection stall).
        let log = ConnectionFrameLog()
        let (channel, multiplexer) = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: "localhost"))
                    let multiplexer = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
                        mode: .client,
                        connectionConfiguration: .init(),
                        streamConfiguration: .init()
                    ) { stream in stream.eventLoop.makeSucceededVoidFuture() }
                    try channel.pipeline.syncOperations.addHandler(ConnectionFrameCollector(log: log))
                    return (channel, multiplexer)
                }
            }
        return HTTP2TestClient(channel: channel, multiplexer: multiplexer, connectionFrames: log)
    }

    /// Opens a stream driven frame by frame (`HTTP2TestStream`). Nothing is sent until the
    /// test sends its HEADERS.
    func openStream() async throws -> HTTP2TestStream {
        let (stream, continuation) = AsyncStream<HTTP2TestStream.Event>.makeStream()
        let channel = try await self.multiplexer.createStreamChannel { stream in
            stream.eventLoop.makeCompletedFuture {
                try stream.pipeline.syncOperations.addHandler(StreamFrameCollector(continuation: continuation))
            }
        }.get()
        return HTTP2TestStream(channel: channel, events: stream)
    }

    /// Sends one request on a new stream, frame by frame, and reads its whole response: the
    /// request header block is `method`, `path`, `:authority` `localhost` and `fields`; `body`
    /// goes in DATA frames of `pieceSize` bytes (no `content-length` unless in `fields`);
    /// `trailers` end the request when given.
    func exchange(
        _ method: String = "GET",
        _ path: String,
        _ fields: [(String, String)] = [],
        body: ByteBuffer? = nil,
        pieceSize: Int = 16_384,
        trailers: [(String, String)]? = nil,
        authority: String = "localhost"
    ) async throws -> HTTP2TestStream.Response {
        let stream = try await self.openStream()
        let endsWithHeaders = body == nil && trailers == nil
        try await stream.sendHeaders(HTTP2TestStream.requestFields(method, path, fields, authority: authority), endStream: endsWithHeaders)
        do {
            if var body {
                while body.readableBytes > 0 {
                    let piece = body.readSlice(length: min(pieceSize, body.readableBytes))!
                    try await stream.sendData(piece, endStream: body.readableBytes == 0 && trailers == nil)
                }
            }
            if let trailers { try await stream.sendHeaders(trailers, endStream: true) }
        } catch {
            // The server may answer before the body is whole (413) and reset the rest of the
            // request with NO_ERROR (RFC 9113 §8.1): its answer is still there to read.
        }
        return try await stream.readResponse()
    }

    /// Sends one request on a new stream and waits for its whole response.
    /// `declareLength: false` sends the body in DATA frames without `content-length` (the
    /// stream's end delimits it).
    func request(
        method: HTTPMethod = .GET,
        path: String,
        headers: [(String, String)] = [],
        body: String? = nil,
        declareLength: Bool = true
    ) async throws -> StreamResponse {
        let promise = self.channel.eventLoop.makePromise(of: StreamResponse.self)
        let stream = try await self.multiplexer.createStreamChannel { stream in
            stream.eventLoop.makeCompletedFuture {
                try stream.pipeline.syncOperations.addHandlers(
                    HTTP2FramePayloadToHTTP1ClientCodec(httpProtocol: .https),
                    StreamResponseCollector(promise: promise)
                )
            }
        }.get()
        var fields = HTTPHeaders([("host", "localhost")] + headers)
        if let body, declareLength { fields.add(name: "content-length", value: String(body.utf8.count)) }
        stream.write(HTTPClientRequestPart.head(HTTPRequestHead(version: .http2, method: method, uri: path, headers: fields)), promise: nil)
        if let body {
            stream.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(string: body))), promise: nil)
        }
        stream.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        return try await promise.futureResult.get()
    }

    func close() async {
        try? await self.channel.close()
    }
}

private final class StreamResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    let promise: EventLoopPromise<StreamResponse>
    private var response = StreamResponse(status: 0, headers: [], body: "")

    init(promise: EventLoopPromise<StreamResponse>) { self.promise = promise }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head(let head):
            self.response.status = Int(head.status.code)
            self.response.headers = head.headers.map { ($0.name, $0.value) }
        case .body(let bytes):
            self.response.body += String(buffer: bytes)
        case .end:
            self.promise.succeed(self.response)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.promise.fail(ChannelError.ioOnClosedChannel)
    }

    /// A stream closed before it ever became active never sees `channelInactive`: fail here too
    /// (a no-op once the response arrived), so a request can never wait forever.
    func handlerRemoved(context: ChannelHandlerContext) {
        self.promise.fail(ChannelError.ioOnClosedChannel)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.promise.fail(error)
        context.close(promise: nil)
    }
}

/// The connection-level frames an `HTTP2TestClient` received.
final class ConnectionFrameLog: Sendable {
    private struct State {
        var frames: [HTTP2Frame.FramePayload] = []
        var waiters: [CheckedContinuation<HTTP2Frame.FramePayload?, Never>] = []
        var closed = false
    }

    private let state = Mutex(State())

    func append(_ payload: HTTP2Frame.FramePayload) {
        let waiters = self.state.withLock { state in
            state.frames.append(payload)
            guard case .goAway = payload else { return [CheckedContinuation<HTTP2Frame.FramePayload?, Never>]() }
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: payload) }
    }

    func close() {
        let waiters = self.state.withLock { state in
            state.closed = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: nil) }
    }

    /// The GOAWAY frames received so far.
    var goAways: [HTTP2Frame.FramePayload] {
        self.state.withLock { $0.frames.filter { if case .goAway = $0 { true } else { false } } }
    }

    /// The first GOAWAY, once it arrived; nil if the connection closed without one.
    func firstGoAway() async -> HTTP2Frame.FramePayload? {
        await withCheckedContinuation { continuation in
            let immediate: HTTP2Frame.FramePayload?? = self.state.withLock { state in
                if let frame = state.frames.first(where: { if case .goAway = $0 { true } else { false } }) { return .some(frame) }
                if state.closed { return .some(nil) }
                state.waiters.append(continuation)
                return .none
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
    }
}

private final class ConnectionFrameCollector: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    let log: ConnectionFrameLog

    init(log: ConnectionFrameLog) { self.log = log }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.log.append(Self.unwrapInboundIn(data).payload)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.log.close()
        context.fireChannelInactive()
    }
}

/// One client stream, frame by frame: the test sends HEADERS, DATA, trailers or RST_STREAM
/// and reads what the server answered — head, DATA, trailers, or the reset that ended it.
/// NIOHTTP2 keeps flow control: a DATA write completes once the server's window admitted it,
/// and DATA read is credited back as the stream reads it (`pauseReading()` stops that: a slow
/// reader).
final class HTTP2TestStream {
    enum Event {
        case frame(HTTP2Frame.FramePayload)
        case reset(HTTP2ErrorCode)
    }

    struct Response {
        var status = 0
        var headers = HPACKHeaders()
        var body = ByteBuffer()
        var trailers: HPACKHeaders?
        /// The RST_STREAM code that ended the stream, if one did.
        var reset: HTTP2ErrorCode?

        var bodyText: String { String(buffer: self.body) }
        func header(_ name: String) -> String? { self.headers.first(name: name) }
    }

    let channel: any Channel
    private var iterator: AsyncStream<Event>.AsyncIterator

    init(channel: any Channel, events: AsyncStream<Event>) {
        self.channel = channel
        self.iterator = events.makeAsyncIterator()
    }

    static func requestFields(
        _ method: String,
        _ path: String,
        _ fields: [(String, String)],
        authority: String = "localhost"
    ) -> [(String, String)] {
        [(":method", method), (":scheme", "https"), (":authority", authority), (":path", path)] + fields
    }

    func sendHeaders(_ fields: [(String, String)], endStream: Bool) async throws {
        let headers = HPACKHeaders(fields)
        try await self.channel.writeAndFlush(HTTP2Frame.FramePayload.headers(.init(headers: headers, endStream: endStream)))
    }

    /// Completes once the bytes are on their way (the server's window admitted them).
    func sendData(_ bytes: ByteBuffer, endStream: Bool) async throws {
        try await self.channel.writeAndFlush(HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(bytes), endStream: endStream)))
    }

    func reset(_ code: HTTP2ErrorCode = .cancel) async throws {
        try await self.channel.writeAndFlush(HTTP2Frame.FramePayload.rstStream(code))
    }

    /// Stops reading (no WINDOW_UPDATE goes back for what arrives) until `resumeReading()`.
    func pauseReading() async throws {
        try await self.channel.setOption(ChannelOptions.autoRead, value: false).get()
    }

    /// Reads again (NIOHTTP2's stream channel does not read by itself when `autoRead` is set
    /// again: the read is asked for).
    func resumeReading() async throws {
        try await self.channel.setOption(ChannelOptions.autoRead, value: true).get()
        self.channel.read()
    }

    /// The next event, nil once the stream closed.
    func next() async -> Event? {
        await self.iterator.next()
    }

    /// Reads the response head only (1xx heads skipped).
    func readHead() async throws -> Response {
        var response = Response()
        while let event = await self.next() {
            switch event {
            case .frame(.headers(let headers)):
                let status = headers.headers.first(name: ":status").flatMap(Int.init) ?? 0
                if status < 200 { continue }
                response.status = status
                response.headers = headers.headers
                return response
            case .reset(let code):
                response.reset = code
                return response
            default:
                continue
            }
        }
        throw TestError("the stream closed before a response head")
    }

    /// Reads the whole response: head, body, trailers — or up to the reset that ended it.
    func readResponse() async throws -> Response {
        let response = try await self.readHead()
        if response.reset != nil { return response }
        return try await self.readRest(of: response)
    }

    /// Reads the body and trailers after `readHead()`.
    func readRest(of head: Response) async throws -> Response {
        var response = head
        while let event = await self.next() {
            switch event {
            case .frame(.data(let data)):
                if case .byteBuffer(var bytes) = data.data { response.body.writeBuffer(&bytes) }
                if data.endStream { return response }
            case .frame(.headers(let headers)):
                response.trailers = headers.headers
                return response
            case .reset(let code):
                response.reset = code
                return response
            default:
                continue
            }
        }
        return response
    }
}

private final class StreamFrameCollector: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    let continuation: AsyncStream<HTTP2TestStream.Event>.Continuation

    init(continuation: AsyncStream<HTTP2TestStream.Event>.Continuation) { self.continuation = continuation }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let payload = Self.unwrapInboundIn(data)
        if case .rstStream(let code) = payload {
            self.continuation.yield(.reset(code))
        } else {
            self.continuation.yield(.frame(payload))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let closed = error as? NIOHTTP2Errors.StreamClosed { self.continuation.yield(.reset(closed.errorCode)) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.continuation.finish()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.continuation.finish()
    }
}
