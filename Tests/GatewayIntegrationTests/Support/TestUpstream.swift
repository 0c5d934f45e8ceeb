import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// An in-process upstream over real loopback sockets, with behaviours chosen by path:
/// - `/download/N`: streams N bytes (a fixed pattern) with backpressure;
/// - `/upload`: reads the body and answers its length and SHA-256;
/// - `/slow/MS`: answers after MS milliseconds;
/// - `/hang`: never answers;
/// - `/drop`: closes the connection without answering;
/// - `/gate/NAME`: answers once the test calls `open("NAME")`;
/// - anything else: echoes the request as JSON-ish text (method, target, headers).
final class TestUpstream: Sendable {
    let channel: any Channel
    let connectionsAccepted: ConnectionTally
    let gates: Gates
    /// The target of every request head that arrived, in order.
    let requests: RequestLog
    /// Where `/download` bodies stopped for backpressure, or ended.
    let downloads: DownloadLog
    var port: Int { self.channel.localAddress!.port! }

    private init(channel: any Channel, tally: ConnectionTally, gates: Gates, requests: RequestLog, downloads: DownloadLog) {
        self.channel = channel
        self.connectionsAccepted = tally
        self.gates = gates
        self.requests = requests
        self.downloads = downloads
    }

    /// Waits until a request is held at `/gate/NAME`.
    func waitForGate(_ name: String) async {
        await self.gates.waitForArrival(name)
    }

    /// Lets the request held at `/gate/NAME` be answered.
    func open(_ name: String) {
        self.gates.open(name)
    }

    static func start(
        tls: NIOSSLContext? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> TestUpstream {
        let tally = ConnectionTally()
        let gates = Gates()
        let requests = RequestLog()
        let downloads = DownloadLog()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // Room for a hundred streams' connections at once on a loaded machine (a full
            // accept queue turns into a connect timeout, and a 502 the test did not cause).
            .serverChannelOption(.backlog, value: 1024)
            .childChannelInitializer { channel in
                tally.increment()
                return channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(TestUpstreamHandler(gates: gates, requests: requests, downloads: downloads))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return TestUpstream(channel: channel, tally: tally, gates: gates, requests: requests, downloads: downloads)
    }

    func stop() async {
        try? await self.channel.close()
    }
}

final class ConnectionTally: Sendable {
    private let count = Mutex(0)
    func increment() { self.count.withLock { $0 += 1 } }
    var value: Int { self.count.withLock { $0 } }
}

/// The targets of the request heads an upstream received, with a wait for one to arrive.
final class RequestLog: Sendable {
    private struct State {
        var targets: [String] = []
        var waiters: [(String, CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())

    func record(_ target: String) {
        let ready = self.state.withLock { state in
            state.targets.append(target)
            let ready = state.waiters.filter { $0.0 == target }.map(\.1)
            state.waiters.removeAll { $0.0 == target }
            return ready
        }
        for waiter in ready { waiter.resume() }
    }

    var all: [String] { self.state.withLock { $0.targets } }

    /// Returns once a request for `target` has arrived.
    func waitFor(_ target: String) async {
        await withCheckedContinuation { continuation in
            let arrived = self.state.withLock { state in
                if state.targets.contains(target) { return true }
                state.waiters.append((target, continuation))
                return false
            }
            if arrived { continuation.resume() }
        }
    }
}

/// How far `/download` bodies got: the first time one could not be written on (its connection
/// unwritable: the gateway is not reading), or its end.
final class DownloadLog: Sendable {
    enum Event: Sendable, Equatable {
        /// Writing stopped for backpressure with this many bytes written.
        case stalled(Int)
        /// The whole body was written.
        case ended(Int)
    }

    private struct State {
        var events: [Event] = []
        var waiters: [CheckedContinuation<Event, Never>] = []
        /// The targets of the downloads that stalled at least once.
        var stalled: Set<String> = []
        var stallWaiters: [(Int, CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())

    func record(_ event: Event, target: String) {
        let (waiters, ready) = self.state.withLock { state in
            state.events.append(event)
            if case .stalled = event { state.stalled.insert(target) }
            let count = state.stalled.count
            let ready = state.stallWaiters.filter { $0.0 <= count }.map(\.1)
            state.stallWaiters.removeAll { $0.0 <= count }
            defer { state.waiters.removeAll() }
            return (state.waiters, ready)
        }
        for waiter in waiters { waiter.resume(returning: event) }
        for waiter in ready { waiter.resume() }
    }

    /// Returns once `count` different downloads have stalled.
    func waitUntilStalled(_ count: Int) async {
        await withCheckedContinuation { continuation in
            let done = self.state.withLock { state in
                if state.stalled.count >= count { return true }
                state.stallWaiters.append((count, continuation))
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// The first stall or end of a download.
    func firstEvent() async -> Event {
        await withCheckedContinuation { continuation in
            let first: Event? = self.state.withLock { state in
                if let first = state.events.first { return first }
                state.waiters.append(continuation)
                return nil
            }
            if let first { continuation.resume(returning: first) }
        }
    }
}

/// The byte at `offset` of a `/download` body.
func downloadPattern(_ offset: Int) -> UInt8 { UInt8(truncatingIfNeeded: offset &* 31 &+ 7) }

/// 64 KiB of `downloadPattern` from every starting offset modulo 256 (the pattern's period:
/// 31 × 256 ≡ 0 mod 256).
let downloadPatternBlock: [UInt8] = (0..<(64 * 1024 + 256)).map(downloadPattern)

/// Whether `bytes` are the `/download` body from its start: compared a block at a time with
/// `memcmp`. (A byte-by-byte check of 64 MiB took seconds of a debug build's cooperative
/// thread, of which this machine has two, and every test beside it waited.)
func holdsDownloadPattern(_ bytes: UnsafeRawBufferPointer) -> Bool {
    downloadPatternBlock.withUnsafeBytes { block in
        var offset = 0
        while offset < bytes.count {
            let count = min(64 * 1024, bytes.count - offset)
            guard memcmp(bytes.baseAddress! + offset, block.baseAddress!, count) == 0 else { return false }
            offset += count
        }
        return true
    }
}

/// Fills `pointer` with the `/download` body's bytes from `offset` on, a block at a time.
func writeDownloadPattern(from offset: Int, into pointer: UnsafeMutableRawBufferPointer) {
    downloadPatternBlock.withUnsafeBytes { block in
        var written = 0
        while written < pointer.count {
            let count = min(64 * 1024, pointer.count - written)
            let start = (offset + written) % 256
            (pointer.baseAddress! + written).copyMemory(from: block.baseAddress! + start, byteCount: count)
            written += count
        }
    }
}

/// Requests held until the test opens their gate.
final class Gates: Sendable {
    private struct State {
        var held: [String: @Sendable () -> Void] = [:]
        var arrivalWaiters: [String: [CheckedContinuation<Void, Never>]] = [:]
    }

    private let state = Mutex(State())

    func hold(_ name: String, release: @escaping @Sendable () -> Void) {
        let waiters = self.state.withLock { state in
            state.held[name] = release
            return state.arrivalWaiters.removeValue(forKey: name) ?? []
        }
        for waiter in waiters { waiter.resume() }
    }

    func waitForArrival(_ name: String) async {
        await withCheckedContinuation { continuation in
            let arrived = self.state.withLock { state in
                if state.held[name] != nil { return true }
                state.arrivalWaiters[name, default: []].append(continuation)
                return false
            }
            if arrived { continuation.resume() }
        }
    }

    func open(_ name: String) {
        let release = self.state.withLock { $0.held.removeValue(forKey: name) }
        release?()
    }
}

private final class TestUpstreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let gates: Gates
    let requests: RequestLog
    let downloads: DownloadLog

    init(gates: Gates, requests: RequestLog, downloads: DownloadLog) {
        self.gates = gates
        self.requests = requests
        self.downloads = downloads
    }

    /// `downloadPatternBlock`, as a buffer to slice.
    static let pattern = ByteBuffer(bytes: downloadPatternBlock)

    private var head: HTTPRequestHead?
    private var trailers: HTTPHeaders?
    private var hasher = SHA256()
    private var bodyBytes = 0
    private var downloadRemaining = 0
    private var downloadOffset = 0
    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            self.trailers = nil
            self.hasher = SHA256()
            self.bodyBytes = 0
            self.requests.record(head.uri)
            if head.uri == "/drop" { context.close(promise: nil) }
        case .body(let bytes):
            self.bodyBytes += bytes.readableBytes
            bytes.withUnsafeReadableBytes { self.hasher.update(bufferPointer: $0) }
        case .end(let trailers):
            self.trailers = trailers
            guard let head = self.head else { return }
            self.respond(context: context, head: head)
        }
    }

    private func respond(context: ChannelHandlerContext, head: HTTPRequestHead) {
        let path = String(head.uri.split(separator: "?", maxSplits: 1).first ?? "")
        let parts = path.split(separator: "/")
        if parts.first == "download", parts.count == 2, let count = Int(parts[1]) {
            var headers = HTTPHeaders()
            headers.add(name: "content-length", value: String(count))
            context.write(Self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            self.downloadRemaining = count
            self.downloadOffset = 0
            self.pumpDownload(context: context)
        } else if parts.first == "slow", parts.count == 2, let milliseconds = Int64(parts[1]) {
            context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(milliseconds)) {
                self.sendText(context: context, "slow done")
            }
        } else if parts.first == "chunked", parts.count == 2, let pieces = Int(parts[1]) {
            // No length: NIO's encoder sends the body chunked, with a trailer field.
            context.write(Self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok))), promise: nil)
            for index in 0..<pieces {
                let piece = String(repeating: String(index % 10), count: 100 * (index + 1))
                context.write(Self.wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: piece)))), promise: nil)
            }
            context.writeAndFlush(Self.wrapOutboundOut(.end(["x-checksum": "pieces=\(pieces)"])), promise: nil)
        } else if path == "/hang" {
            return
        } else if parts.first == "gate", parts.count == 2 {
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            self.gates.hold(String(parts[1])) {
                loopBound.eventLoop.execute {
                    let (handler, context) = loopBound.value
                    handler.sendText(context: context, "gate opened")
                }
            }
        } else if parts.first == "headfirst", parts.count == 2 {
            // The head now, the body when the gate opens.
            let body = "gate opened"
            var headers = HTTPHeaders()
            headers.add(name: "content-length", value: String(body.utf8.count))
            context.writeAndFlush(Self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            self.gates.hold(String(parts[1])) {
                loopBound.eventLoop.execute {
                    let context = loopBound.value
                    context.write(Self.wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
                    context.writeAndFlush(Self.wrapOutboundOut(.end(nil)), promise: nil)
                }
            }
        } else if path == "/upload" {
            let digest = self.hasher.finalize().map { String(format: "%02x", $0) }.joined()
            self.sendText(context: context, "bytes=\(self.bodyBytes) sha256=\(digest)")
        } else {
            var text = "method=\(head.method.rawValue)\ntarget=\(head.uri)\nbody=\(self.bodyBytes)\n"
            for (name, value) in head.headers { text += "h:\(name.lowercased())=\(value)\n" }
            for (name, value) in self.trailers ?? [:] { text += "t:\(name.lowercased())=\(value)\n" }
            self.sendText(context: context, text)
        }
    }

    private func sendText(context: ChannelHandlerContext, _ text: String) {
        var headers = HTTPHeaders()
        headers.add(name: "content-length", value: String(text.utf8.count))
        headers.add(name: "x-upstream", value: "test")
        headers.add(name: "connection", value: "keep-alive, x-hop")
        headers.add(name: "x-hop", value: "must not reach the client")
        context.write(Self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        context.write(Self.wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: text)))), promise: nil)
        context.writeAndFlush(Self.wrapOutboundOut(.end(nil)), promise: nil)
    }

    private func pumpDownload(context: ChannelHandlerContext) {
        while self.downloadRemaining > 0, context.channel.isWritable {
            let size = min(64 * 1024, self.downloadRemaining)
            // A slice of the pattern made once: pumping costs the upstream no byte-by-byte work.
            let buffer = Self.pattern.getSlice(at: self.downloadOffset % 256, length: size)!
            self.downloadOffset += size
            self.downloadRemaining -= size
            context.write(Self.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            if self.downloadRemaining == 0 {
                context.writeAndFlush(Self.wrapOutboundOut(.end(nil)), promise: nil)
                self.downloads.record(.ended(self.downloadOffset), target: self.head?.uri ?? "")
                return
            }
        }
        context.flush()
        if self.downloadRemaining > 0, !context.channel.isWritable {
            self.downloads.record(.stalled(self.downloadOffset), target: self.head?.uri ?? "")
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, self.downloadRemaining > 0 { self.pumpDownload(context: context) }
        context.fireChannelWritabilityChanged()
    }
}
