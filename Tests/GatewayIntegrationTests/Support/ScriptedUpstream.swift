import NIOCore
import NIOPosix
import Synchronization

/// An upstream that answers every request head with bytes the test wrote, exactly as written:
/// for responses no HTTP library would produce (malformed heads, ambiguous framing, extra
/// bytes after a response). It reads each connection's bytes up to the empty line that ends a
/// head and writes `response`; `rest`, when given, follows on the same connection once the test
/// calls `sendRest()`, so a test can choose which bytes the gateway has read before the others.
final class ScriptedUpstream: Sendable {
    private let channel: any Channel
    /// Connections accepted so far.
    let connectionsAccepted: ConnectionTally
    private let waitingForRest: WaitingWriters
    var port: Int { self.channel.localAddress!.port! }

    private init(channel: any Channel, tally: ConnectionTally, waitingForRest: WaitingWriters) {
        self.channel = channel
        self.connectionsAccepted = tally
        self.waitingForRest = waitingForRest
    }

    static func start(response: String, rest: String? = nil) async throws -> ScriptedUpstream {
        let tally = ConnectionTally()
        let waiting = WaitingWriters()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                tally.increment()
                return channel.eventLoop.makeCompletedFuture {
                    let responder = ScriptedResponder(response: response, rest: rest, waiting: waiting)
                    try channel.pipeline.syncOperations.addHandler(responder)
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return ScriptedUpstream(channel: channel, tally: tally, waitingForRest: waiting)
    }

    /// Writes `rest` on every connection that has written its `response`.
    func sendRest() {
        for write in self.waitingForRest.takeAll() { write() }
    }

    func stop() async {
        try? await self.channel.close()
    }
}

/// The connections waiting to write their `rest`.
private final class WaitingWriters: Sendable {
    private let writers = Mutex<[@Sendable () -> Void]>([])

    func add(_ write: @escaping @Sendable () -> Void) {
        self.writers.withLock { $0.append(write) }
    }

    func takeAll() -> [@Sendable () -> Void] {
        self.writers.withLock { writers in
            defer { writers.removeAll() }
            return writers
        }
    }
}

/// Writes the scripted bytes once per request head received.
private final class ScriptedResponder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let response: String
    private let rest: String?
    private let waiting: WaitingWriters
    private var received: [UInt8] = []

    init(response: String, rest: String?, waiting: WaitingWriters) {
        self.response = response
        self.rest = rest
        self.waiting = waiting
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.received += Self.unwrapInboundIn(data).readableBytesView
        let end: [UInt8] = Array("\r\n\r\n".utf8)
        // The test's requests carry no body: each head ends a request.
        while let range = self.received.firstRange(of: end) {
            self.received.removeSubrange(..<range.upperBound)
            context.writeAndFlush(Self.wrapOutboundOut(context.channel.allocator.buffer(string: self.response)), promise: nil)
            if let rest = self.rest {
                let channel = context.channel
                self.waiting.add { channel.writeAndFlush(channel.allocator.buffer(string: rest), promise: nil) }
            }
        }
    }
}
