import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import NIOSSL

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

    private init(channel: any Channel, multiplexer: NIOHTTP2Handler.StreamMultiplexer) {
        self.channel = channel
        self.multiplexer = multiplexer
    }

    static func connect(port: Int, caPEM: String) async throws -> HTTP2TestClient {
        let context = try TLSClients.context(trusting: caPEM, alpn: ["h2"])
        // TLS and HTTP/2 go into the pipeline together, before the connection is active: the
        // server's SETTINGS can arrive as soon as the handshake ends and must not find a
        // pipeline without the HTTP/2 handler (it would be dropped and the connection stall).
        let (channel, multiplexer) = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: "localhost"))
                    let multiplexer = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
                        mode: .client,
                        connectionConfiguration: .init(),
                        streamConfiguration: .init()
                    ) { stream in stream.eventLoop.makeSucceededVoidFuture() }
                    return (channel, multiplexer)
                }
            }
        return HTTP2TestClient(channel: channel, multiplexer: multiplexer)
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
