import Benchmark
import Crypto
import Foundation
import GatewayApp
import GatewayAudit
import GatewayCredentials
import GatewayMetrics
import GatewayProxy
import GatewayRules
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

// Allocation guards (issue 11, item 6): the mallocs of one whole proxied HTTP/1.1 request, over
// real loopback sockets, through a gateway running in this process.
//
// - The upstream is a raw SwiftNIO handler answering every request head with the same 24-byte
//   response (keep-alive), on its own event loop.
// - The gateway is `ProxyServer` with one event loop, started from a `ServiceGroup` as
//   `gateway run` starts it, with a discarding audit sink (the record is still built and
//   submitted on the loop; no encoding or writer thread, whose batching would make the count
//   vary from sample to sample).
// - The client is a blocking POSIX socket on the benchmark's own thread, one keep-alive
//   connection per row, buffers allocated once: it makes no allocation per request.
//
// The interposer counts every thread of the process, so each sample counts the upstream's and
// the gateway's allocations for 1,000 requests. The `direct` row sends the same requests
// straight to the upstream: the gateway's own allocations per request are a gateway row minus
// that row (`bench/lib/micro_summary.py` prints the difference). Every row has a static
// threshold (`bench/Benchmarks/Thresholds/`) that `bench/alloc-guard.sh` checks.

/// The rows: the route a request goes to, and the header it carries.
enum AllocationRow: String, CaseIterable {
    case direct = "direct to upstream (baseline)"
    case publicRoute = "gateway public route"
    case apiKey = "gateway API key"
    case hs256 = "gateway HS256 bearer, warm"
    case es256 = "gateway ES256 bearer, warm"

    var name: String { "Proxied request allocations: \(self.rawValue)" }
}

/// The upstream, the gateway and one client connection per row, started once per process (by
/// the first allocation benchmark's setup) and kept for the process's life.
final class AllocationRig: Sendable {
    static let requestsPerSample = 1_000
    private static let started = Mutex<AllocationRig?>(nil)

    let upstreamPort: Int
    let gatewayPort: Int
    let apiKey: String
    let hs256Token: String
    let es256Token: String
    private let serviceTask: Task<Void, any Error>
    private let upstream: any Channel
    private let upstreamGroup: MultiThreadedEventLoopGroup

    /// The rig, started on first use.
    static func shared() async throws -> AllocationRig {
        if let rig = Self.started.withLock({ $0 }) { return rig }
        let rig = try await AllocationRig()
        return Self.started.withLock { current in
            if let current { return current }
            current = rig
            return rig
        }
    }

    private init() async throws {
        let upstreamGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let upstream = try await ServerBootstrap(group: upstreamGroup)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(FixedResponseHandler())
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let upstreamPort = upstream.localAddress!.port!

        // Keys and credentials, as `bench/run.sh` configures them.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-alloc-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let secret = (0..<64).map { _ in UInt8.random(in: 0...255) }
        let p256 = P256.Signing.PrivateKey()
        let p256Public = directory.appendingPathComponent("es256.pub.pem").path
        try p256.publicKey.pemRepresentation.write(toFile: p256Public, atomically: true, encoding: .utf8)
        let apiKey = "gk_alloc-bench-key-0123456789abcdefghijklmnopq"
        let now = Int64(Date().timeIntervalSince1970)
        let claims = JWTClaims(
            sub: "bench-client",
            exp: now + 86_400,
            iat: now,
            jti: UUID().uuidString,
            scopes: ["bench:read"]
        )
        let hs256Token = try JWTSigner(algorithm: .hs256, secret: secret, keyID: "bench-hs256").sign(claims)
        let es256Token = try JWTSigner(algorithm: .es256, privateKeyPEM: p256.pemRepresentation, keyID: "bench-es256")
            .sign(claims)

        var rules = Rules(
            sourcePath: directory.appendingPathComponent("alloc.conf").path,
            keys: [
                KeyRule(id: "bench-hs256", alg: .hs256, material: .secret(Secret(bytes: secret, source: .inline))),
                KeyRule(id: "bench-es256", alg: .es256, material: .publicKeyFile(p256Public)),
            ],
            apiKeys: [APIKeyRule(id: "bench", hash: APIKeyGenerator.hash(of: apiKey), scopes: ["bench:read"])],
            upstreams: [UpstreamRule(name: "up", targets: [UpstreamTarget(host: "127.0.0.1", port: upstreamPort)])],
            routes: [
                RouteRule(name: "public", path: .prefix("/public"), upstream: "up", isPublic: true),
                RouteRule(name: "apikey", path: .prefix("/apikey"), upstream: "up", auth: [.apiKey], scopes: ["bench:read"]),
                RouteRule(name: "jwt", path: .prefix("/jwt"), upstream: "up", auth: [.jwt], scopes: ["bench:read"]),
            ]
        )
        rules.server.listen = [ListenAddress(host: "127.0.0.1", port: 0)]
        rules.server.threads = 1
        let configuration = try ProxyConfiguration(rules: rules, auditSink: DiscardingAuditSink())
        var logger = Logger(label: "gateway-alloc-bench")
        logger.logLevel = .critical
        let server = try ProxyServer.make(rules: rules, configuration: configuration, metrics: GatewayMetrics(), logger: logger)
        let group = ServiceGroup(services: [server], logger: logger)
        let serviceTask = Task { try await group.run() }
        let gatewayPort = try await server.listeningAddresses()[0].port!
        self.upstream = upstream
        self.upstreamGroup = upstreamGroup
        self.upstreamPort = upstreamPort
        self.gatewayPort = gatewayPort
        self.apiKey = apiKey
        self.hs256Token = hs256Token
        self.es256Token = es256Token
        self.serviceTask = serviceTask
    }

    /// The request a row sends, and the port it goes to.
    func request(for row: AllocationRow) -> (port: Int, head: String) {
        func head(_ path: String, _ extra: String = "") -> String {
            "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: alloc-bench\r\nAccept: */*\r\n\(extra)\r\n"
        }
        switch row {
        case .direct: return (self.upstreamPort, head("/public/item"))
        case .publicRoute: return (self.gatewayPort, head("/public/item"))
        case .apiKey: return (self.gatewayPort, head("/apikey/item", "X-API-Key: \(self.apiKey)\r\n"))
        case .hs256: return (self.gatewayPort, head("/jwt/item", "Authorization: Bearer \(self.hs256Token)\r\n"))
        case .es256: return (self.gatewayPort, head("/jwt/item", "Authorization: Bearer \(self.es256Token)\r\n"))
        }
    }
}

/// Answers every request head (a GET without a body: up to the empty line) with one fixed
/// response, keep-alive, as the nginx upstream of `bench/run.sh` does.
final class FixedResponseHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private static let body = "hello from the upstream\n"  // 24 bytes
    private let response = ByteBuffer(
        string: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(FixedResponseHandler.body.utf8.count)\r\n\r\n"
            + FixedResponseHandler.body
    )
    /// How much of CR LF CR LF the last bytes matched.
    private var matched = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = self.unwrapInboundIn(data)
        var heads = 0
        bytes.withUnsafeReadableBytes { raw in
            for byte in raw {
                let expected: UInt8 = self.matched % 2 == 0 ? 13 : 10
                if byte == expected {
                    self.matched += 1
                    if self.matched == 4 {
                        heads += 1
                        self.matched = 0
                    }
                } else {
                    self.matched = byte == 13 ? 1 : 0
                }
            }
        }
        for _ in 0..<heads { context.write(self.wrapOutboundOut(self.response), promise: nil) }
        if heads > 0 { context.flush() }
    }
}

/// A blocking keep-alive HTTP/1.1 client on one socket: sends one request, reads its response
/// whole (head and `Content-Length` body), and allocates nothing per request.
final class BlockingClient {
    private let socket: Int32
    private let request: [UInt8]
    private let buffer: UnsafeMutableRawBufferPointer

    init(port: Int, head: String) {
        self.request = Array(head.utf8)
        self.buffer = .allocate(byteCount: 65_536, alignment: 16)
        #if canImport(Glibc)
        self.socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        self.socket = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        precondition(self.socket >= 0, "socket() failed")
        var one: Int32 = 1
        setsockopt(self.socket, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(self.socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        precondition(result == 0, "connect() to 127.0.0.1:\(port) failed: errno \(errno)")
    }

    deinit {
        close(self.socket)
        self.buffer.deallocate()
    }

    /// One request and its response; stops the process if the answer is not a 200.
    func roundTrip() {
        self.request.withUnsafeBytes { bytes in
            var sent = 0
            while sent < bytes.count {
                let count = send(self.socket, bytes.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
                precondition(count > 0, "send() failed: errno \(errno)")
                sent += count
            }
        }
        var received = 0
        var total = -1
        while total < 0 || received < total {
            let count = recv(self.socket, self.buffer.baseAddress! + received, self.buffer.count - received, 0)
            precondition(count > 0, "the connection closed or failed (errno \(errno)) after \(received) bytes")
            received += count
            if total < 0 { total = Self.responseLength(UnsafeRawBufferPointer(rebasing: self.buffer[..<received])) }
        }
        precondition(received == total, "more bytes than one response")
        precondition(
            self.buffer[9] == UInt8(ascii: "2") && self.buffer[10] == UInt8(ascii: "0") && self.buffer[11] == UInt8(ascii: "0"),
            "the answer was not 200: \(String(decoding: UnsafeRawBufferPointer(rebasing: self.buffer[..<min(received, 200)]), as: UTF8.self))"
        )
    }

    /// The length of the response whose first bytes are `bytes` (head + `Content-Length`), or -1
    /// while its head is incomplete.
    private static func responseLength(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard bytes.count >= 4 else { return -1 }
        var headEnd = -1
        for index in 3..<bytes.count
        where bytes[index] == 10 && bytes[index - 1] == 13 && bytes[index - 2] == 10 && bytes[index - 3] == 13 {
            headEnd = index + 1
            break
        }
        guard headEnd > 0 else { return -1 }
        // Find "content-length:" (case-insensitive) at a line start.
        let name = Array("content-length:".utf8)
        var lineStart = 0
        while lineStart < headEnd {
            var matches = lineStart + name.count < headEnd
            if matches {
                for offset in 0..<name.count where bytes[lineStart + offset] | 0x20 != name[offset] | 0x20 {
                    matches = false
                    break
                }
            }
            if matches {
                var index = lineStart + name.count
                while bytes[index] == UInt8(ascii: " ") { index += 1 }
                var length = 0
                while bytes[index] >= UInt8(ascii: "0") && bytes[index] <= UInt8(ascii: "9") {
                    length = length * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                    index += 1
                }
                return headEnd + length
            }
            while lineStart < headEnd && bytes[lineStart] != 10 { lineStart += 1 }
            lineStart += 1
        }
        return headEnd
    }
}

/// The clients, one per row, made by the first setup and reused by every sample.
final class AllocationClients: @unchecked Sendable {
    static let shared = AllocationClients()
    private let lock = NSLock()
    private var clients: [AllocationRow: BlockingClient] = [:]

    func client(for row: AllocationRow, rig: AllocationRig) -> BlockingClient {
        self.lock.lock()
        defer { self.lock.unlock() }
        if let client = self.clients[row] { return client }
        let (port, head) = rig.request(for: row)
        let client = BlockingClient(port: port, head: head)
        // Warm: the gateway's connection, its upstream pool and the token cache.
        for _ in 0..<200 { client.roundTrip() }
        self.clients[row] = client
        return client
    }
}

func registerProxyAllocationBenchmarks() {
    for row in AllocationRow.allCases {
        Benchmark(
            row.name,
            configuration: .init(
                metrics: [.mallocCountTotal, .wallClock],
                timeUnits: .microseconds,
                warmupIterations: 2,
                scalingFactor: .kilo,
                maxDuration: .seconds(10),
                maxIterations: 25,
                thresholds: [.mallocCountTotal: AllocationThresholds.tolerance]
            )
        ) { benchmark in
            let client = AllocationClients.shared.client(for: row, rig: AllocationRig.sharedStarted!)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                client.roundTrip()
            }
            benchmark.stopMeasurement()
        } setup: {
            AllocationRig.sharedStarted = try await AllocationRig.shared()
        }
    }
}

extension AllocationRig {
    /// Set by the benchmarks' setup hook (async) for their closures (sync).
    nonisolated(unsafe) static var sharedStarted: AllocationRig?
}

enum AllocationThresholds {
    /// How far a row's p90 may move from the count recorded in `bench/Benchmarks/Thresholds/`
    /// (per sample of 1,000 requests) before `swift package benchmark thresholds check` fails:
    /// 2 allocations per request up (a regression, exit code 2) or down (an improvement, exit
    /// code 4: lower the recorded figure with `bench/alloc-guard.sh --update`).
    static var tolerance: BenchmarkThresholds { BenchmarkThresholds(absolute: [.p90: 2 * AllocationRig.requestsPerSample]) }
}
