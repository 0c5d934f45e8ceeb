import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization
import GatewayTestSupport

/// An HTTPS server over loopback answering every GET with the current `body` (a JWK Set),
/// counting requests; `failing` makes it answer 503.
final class TestHTTPSServer: Sendable {
    let channel: any Channel
    private let state: Mutex<(body: String, failing: Bool, requests: Int)>
    var port: Int { self.channel.localAddress!.port! }

    private init(channel: any Channel, body: String) {
        self.channel = channel
        self.state = Mutex((body, false, 0))
    }

    var requests: Int { self.state.withLock { $0.requests } }

    func serve(_ body: String) { self.state.withLock { $0.body = body } }
    func fail(_ failing: Bool) { self.state.withLock { $0.failing = failing } }

    static func start(authority: TestCertificateAuthority, body: String) async throws -> TestHTTPSServer {
        let context = try NIOSSLContext(configuration: try authority.serverConfiguration())
        let box = StateBox(body: body)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(StaticHandler(box: box))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let server = TestHTTPSServer(channel: channel, body: body)
        box.server.withLock { $0 = server }
        return server
    }

    func stop() async {
        try? await self.channel.close()
    }

    fileprivate func answer() -> (String, Bool) {
        self.state.withLock { state in
            state.requests += 1
            return (state.body, state.failing)
        }
    }
}

private final class StateBox: Sendable {
    let server = Mutex<TestHTTPSServer?>(nil)
    let initial: String
    init(body: String) { self.initial = body }
}

private final class StaticHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let box: StateBox

    init(box: StateBox) { self.box = box }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = Self.unwrapInboundIn(data) else { return }
        let (body, failing) = self.box.server.withLock { $0 }?.answer() ?? (self.box.initial, false)
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: String(body.utf8.count))
        let status: HTTPResponseStatus = failing ? .serviceUnavailable : .ok
        context.write(Self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(Self.wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        context.writeAndFlush(Self.wrapOutboundOut(.end(nil)), promise: nil)
    }
}
