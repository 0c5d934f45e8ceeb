import NIOCore
import NIOPosix

/// An upstream that answers every request head with bytes the test wrote, exactly as written:
/// for responses no HTTP library would produce (malformed heads, ambiguous framing, extra
/// bytes after a response). It reads each connection's bytes up to the empty line that ends a
/// head, writes `response`, and keeps the connection open unless `closeAfterResponse`.
final class ScriptedUpstream: Sendable {
    private let channel: any Channel
    /// Connections accepted so far.
    let connectionsAccepted: ConnectionTally
    var port: Int { self.channel.localAddress!.port! }

    private init(channel: any Channel, tally: ConnectionTally) {
        self.channel = channel
        self.connectionsAccepted = tally
    }

    static func start(response: String, closeAfterResponse: Bool = false) async throws -> ScriptedUpstream {
        let tally = ConnectionTally()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                tally.increment()
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ScriptedResponder(response: response, closeAfterResponse: closeAfterResponse)
                    )
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return ScriptedUpstream(channel: channel, tally: tally)
    }

    func stop() async {
        try? await self.channel.close()
    }
}

/// Writes the scripted bytes once per request head received.
private final class ScriptedResponder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let response: String
    private let closeAfterResponse: Bool
    private var received: [UInt8] = []

    init(response: String, closeAfterResponse: Bool) {
        self.response = response
        self.closeAfterResponse = closeAfterResponse
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.received += Self.unwrapInboundIn(data).readableBytesView
        let end: [UInt8] = Array("\r\n\r\n".utf8)
        // The test's requests carry no body: each head ends a request.
        while let range = self.received.firstRange(of: end) {
            self.received.removeSubrange(..<range.upperBound)
            let bytes = context.channel.allocator.buffer(string: self.response)
            context.writeAndFlush(Self.wrapOutboundOut(bytes), promise: nil)
            if self.closeAfterResponse {
                context.close(promise: nil)
                return
            }
        }
    }
}
