public import Logging
public import NIOCore
import NIOHTTP1
import NIOPosix
import GatewayProxy
import UnixSignals

/// The demo's built-in upstream: answers every request with a JSON description of what it
/// received (method, target, headers, body size), so a demo user sees what the gateway forwarded.
public final class EchoUpstream: Sendable {
    private let channel: any Channel

    /// The bound address.
    public var address: SocketAddress { self.channel.localAddress! }

    private init(channel: any Channel) {
        self.channel = channel
    }

    /// Starts on `host:port` (port 0 picks a free one).
    public static func start(group: any EventLoopGroup, host: String = "127.0.0.1", port: Int = 0) async throws -> EchoUpstream {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(EchoHandler())
                }
            }
            .bind(host: host, port: port)
            .get()
        return EchoUpstream(channel: channel)
    }

    public func stop() async throws {
        try await self.channel.close()
    }

    /// `gateway demo --echo-only`: serves on 127.0.0.1:`port` until SIGTERM or SIGINT, as a
    /// stand-in for "your API" (the quick start puts the gateway in front of it). Returns the
    /// exit status: 1 when the port cannot be bound.
    public static func serve(port: Int, logger: Logger) async -> Int32 {
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let echo: EchoUpstream
        do {
            echo = try await Self.start(group: MultiThreadedEventLoopGroup.singleton, port: port)
        } catch {
            logger.error("\(ListenError(address: "127.0.0.1:\(port)", role: "echo upstream", error: error))")
            return 1
        }
        logger.info("echo upstream listening", metadata: ["address": "127.0.0.1:\(echo.address.port ?? port)"])
        for await signal in signals {
            logger.info("signal received; stopping", metadata: ["signal": "\(signal)"])
            break
        }
        try? await echo.stop()
        return 0
    }
}

/// Answers each request with a JSON summary of it.
private final class EchoHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private var head: HTTPRequestHead?
    private var bodyBytes = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            self.bodyBytes = 0
        case .body(let bytes):
            self.bodyBytes += bytes.readableBytes
        case .end:
            guard let head = self.head else { return }
            self.respond(context: context, to: head)
        }
    }

    private func respond(context: ChannelHandlerContext, to head: HTTPRequestHead) {
        var json = "{\"method\":\(Self.quote(head.method.rawValue)),\"target\":\(Self.quote(head.uri)),\"headers\":{"
        json += head.headers.map { "\(Self.quote($0.name.lowercased())):\(Self.quote($0.value))" }.joined(separator: ",")
        json += "},\"body_bytes\":\(self.bodyBytes)}\n"
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: String(json.utf8.count))
        context.write(Self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        context.write(Self.wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: json)))), promise: nil)
        context.writeAndFlush(Self.wrapOutboundOut(.end(nil)), promise: nil)
    }

    private static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

@available(*, unavailable)
extension EchoHandler: Sendable {}
