import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Fetches a document over HTTPS (a JWK Set): certificate verified against the system trust
/// store (or given roots), bounded in time and size, no redirects followed.
///
/// Hand-written on SwiftNIO + swift-nio-ssl: a single GET off the request path does not justify
/// a general-purpose HTTP client dependency.
struct HTTPSFetcher: Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let group: any EventLoopGroup
    let context: NIOSSLContext
    let timeout: TimeAmount
    let maxBytes: Int

    /// - Parameter trustRoots: PEM files of CAs to trust instead of the system store (tests).
    init(
        group: any EventLoopGroup,
        trustRootsPEM: String? = nil,
        timeout: TimeAmount = .seconds(10),
        maxBytes: Int = 1 << 20
    ) throws {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let pem = trustRootsPEM {
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)))
        }
        self.group = group
        self.context = try NIOSSLContext(configuration: configuration)
        self.timeout = timeout
        self.maxBytes = maxBytes
    }

    /// The body of a 200 answer to `GET url`.
    func get(_ url: String) async throws -> [UInt8] {
        guard let components = URLComponents(string: url), components.scheme == "https",
            let host = components.host, !host.isEmpty
        else { throw Failure(description: "not an https URL") }
        let port = components.port ?? 443
        var target = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        if let query = components.percentEncodedQuery { target += "?" + query }
        let isIPAddress = (try? SocketAddress(ipAddress: host, port: port)) != nil
        let loop = self.group.next()
        let promise = loop.makePromise(of: [UInt8].self)
        let channel: any Channel
        do {
            channel = try await self.connect(loop: loop, host: host, port: port, promise: promise, serverHostname: isIPAddress ? nil : host)
        } catch {
            // The promise is the handler's to complete; without a channel nothing ever would.
            promise.fail(error)
            throw error
        }
        let timer = loop.scheduleTask(in: self.timeout) { promise.fail(Failure(description: "timed out")) }
        var headers = HTTPHeaders()
        headers.add(name: "host", value: components.port.map { "\(host):\($0)" } ?? host)
        headers.add(name: "accept", value: "application/json, application/jwk-set+json")
        headers.add(name: "connection", value: "close")
        headers.add(name: "user-agent", value: "gateway-jwks-fetcher")
        channel.write(HTTPClientRequestPart.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: target, headers: headers)), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        defer {
            timer.cancel()
            channel.close(promise: nil)
        }
        return try await promise.futureResult.get()
    }

    /// Connects with TLS and the HTTP/1.1 client codec, `FetchHandler` completing `promise`.
    private func connect(
        loop: any EventLoop,
        host: String,
        port: Int,
        promise: EventLoopPromise<[UInt8]>,
        serverHostname: String?
    ) async throws -> any Channel {
        let context = self.context
        let maxBytes = self.maxBytes
        return try await ClientBootstrap(group: loop)
            .connectTimeout(self.timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let tls = try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
                    try channel.pipeline.syncOperations.addHandler(tls)
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(FetchHandler(promise: promise, maxBytes: maxBytes))
                }
            }
            .connect(host: host, port: port)
            .get()
    }
}

/// Collects one response; fails on a status other than 200 or a body over the limit.
private final class FetchHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    let promise: EventLoopPromise<[UInt8]>
    let maxBytes: Int
    private var status: HTTPResponseStatus?
    private var body: [UInt8] = []

    init(promise: EventLoopPromise<[UInt8]>, maxBytes: Int) {
        self.promise = promise
        self.maxBytes = maxBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head(let head):
            self.status = head.status
        case .body(let bytes):
            guard self.body.count + bytes.readableBytes <= self.maxBytes else {
                self.promise.fail(HTTPSFetcher.Failure(description: "response larger than \(self.maxBytes) bytes"))
                context.close(promise: nil)
                return
            }
            self.body.append(contentsOf: bytes.readableBytesView)
        case .end:
            if self.status == .ok {
                self.promise.succeed(self.body)
            } else {
                self.promise.fail(HTTPSFetcher.Failure(description: "status \(self.status.map { "\($0.code)" } ?? "none")"))
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.promise.fail(HTTPSFetcher.Failure(description: "connection closed before a complete response"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.promise.fail(HTTPSFetcher.Failure(description: "\(error)"))
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension FetchHandler: Sendable {}
