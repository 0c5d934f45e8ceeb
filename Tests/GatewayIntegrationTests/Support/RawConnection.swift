import NIOCore
import NIOPosix
import NIOSSL

/// A client TCP connection that sends raw bytes and parses raw HTTP/1.1 responses, so tests
/// control every byte on the wire (pipelining, smuggling attempts, slow heads).
final class RawConnection {
    let channel: any Channel
    private var iterator: AsyncStream<ByteBuffer>.AsyncIterator
    private var buffer = ByteBuffer()
    private(set) var isClosedByPeer = false

    private init(channel: any Channel, stream: AsyncStream<ByteBuffer>) {
        self.channel = channel
        self.iterator = stream.makeAsyncIterator()
    }

    /// Connects to `port`. `firstBytes`, when given, are written by the event loop as soon as
    /// the connection is up, not after the test's task is scheduled again: a test of a timeout
    /// that starts at accept (`idle_timeout`) must not lose to a stalled task on a loaded machine.
    static func connect(
        port: Int,
        tls: NIOSSLContext? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        firstBytes: String? = nil
    ) async throws -> RawConnection {
        let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream()
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: "localhost"))
                    }
                    try channel.pipeline.syncOperations.addHandler(CollectingHandler(continuation: continuation))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .flatMap { channel in
                guard let firstBytes else { return channel.eventLoop.makeSucceededFuture(channel) }
                return channel.writeAndFlush(channel.allocator.buffer(string: firstBytes)).map { channel }
            }
            .get()
        return RawConnection(channel: channel, stream: stream)
    }

    func send(_ text: String) async throws {
        try await self.channel.writeAndFlush(self.channel.allocator.buffer(string: text))
    }

    func send(_ bytes: ByteBuffer) async throws {
        try await self.channel.writeAndFlush(bytes)
    }

    func close() async {
        try? await self.channel.close()
    }

    /// Reads until the peer closes; returns everything not yet consumed.
    func readToEnd() async -> String {
        while await self.fill() {}
        let text = String(buffer: self.buffer)
        self.buffer.clear()
        return text
    }

    /// Reads one complete response; nil if the connection closed before one arrived.
    func readResponse(forHEAD: Bool = false) async throws -> TestResponse? {
        while true {
            if let response = try TestResponse.parse(&self.buffer, forHEAD: forHEAD, peerClosed: self.isClosedByPeer) {
                return response
            }
            if self.isClosedByPeer { return nil }
            if !(await self.fill()) { self.isClosedByPeer = true }
        }
    }

    /// Reads until a response head (through its blank line) has arrived and returns it,
    /// leaving what follows; nil if the connection closed first.
    func readHead() async -> String? {
        while true {
            let text = String(buffer: self.buffer)
            if let end = text.range(of: "\r\n\r\n") {
                let head = String(text[..<end.upperBound])
                self.buffer.moveReaderIndex(forwardBy: head.utf8.count)
                return head
            }
            if !(await self.fill()) { return nil }
        }
    }

    /// Reads `count` bytes; nil if the connection closed first.
    func readBytes(_ count: Int) async -> String? {
        while self.buffer.readableBytes < count {
            if !(await self.fill()) { return nil }
        }
        return self.buffer.readString(length: count)
    }

    /// Waits for more bytes; false when the peer closed.
    private func fill() async -> Bool {
        guard var next = await self.iterator.next() else {
            self.isClosedByPeer = true
            return false
        }
        self.buffer.writeBuffer(&next)
        return true
    }

    /// Waits until the peer closes the connection (true) — or returns false if it sends bytes.
    func waitForClose() async -> Bool {
        let before = self.buffer.readableBytes
        while await self.fill() {
            if self.buffer.readableBytes > before { return false }
        }
        return true
    }
}

private final class CollectingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let continuation: AsyncStream<ByteBuffer>.Continuation

    init(continuation: AsyncStream<ByteBuffer>.Continuation) {
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.continuation.yield(Self.unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.continuation.finish()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// A parsed HTTP/1.1 response.
struct TestResponse {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: ByteBuffer

    func header(_ name: String) -> String? {
        self.headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    func headers(_ name: String) -> [String] {
        self.headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    var bodyText: String { String(buffer: self.body) }

    /// Parses one response from the front of `buffer`, consuming it; nil if incomplete.
    static func parse(_ buffer: inout ByteBuffer, forHEAD: Bool, peerClosed: Bool) throws -> TestResponse? {
        let view = buffer.readableBytesView
        guard let headEnd = view.firstRange(of: Array("\r\n\r\n".utf8)) else { return nil }
        let headText = String(decoding: view[view.startIndex..<headEnd.lowerBound], as: UTF8.self)
        var lines = headText.split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw TestError("bad status line") }
        let headers = lines.map { line -> (name: String, value: String) in
            let colon = line.firstIndex(of: ":")!
            return (String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters())
        }
        var response = TestResponse(status: status, headers: headers, body: ByteBuffer())
        let bodyStart = headEnd.upperBound - view.startIndex
        if status == 100 {
            buffer.moveReaderIndex(forwardBy: bodyStart)
            return try parse(&buffer, forHEAD: forHEAD, peerClosed: peerClosed)
        }
        if forHEAD || status == 204 || status == 304 {
            buffer.moveReaderIndex(forwardBy: bodyStart)
            return response
        }
        if let length = response.header("content-length").flatMap(Int.init) {
            guard view.count - bodyStart >= length else { return nil }
            buffer.moveReaderIndex(forwardBy: bodyStart)
            response.body = buffer.readSlice(length: length)!
            return response
        }
        if response.header("transfer-encoding")?.lowercased() == "chunked" {
            var cursor = buffer
            cursor.moveReaderIndex(forwardBy: bodyStart)
            var body = ByteBuffer()
            while true {
                let chunkView = cursor.readableBytesView
                guard let lineEnd = chunkView.firstRange(of: Array("\r\n".utf8)) else { return nil }
                let sizeText = String(decoding: chunkView[chunkView.startIndex..<lineEnd.lowerBound], as: UTF8.self)
                guard let size = Int(sizeText.split(separator: ";")[0], radix: 16) else { throw TestError("bad chunk") }
                let dataStart = lineEnd.upperBound - chunkView.startIndex
                guard cursor.readableBytes >= dataStart + size + 2 else { return nil }
                cursor.moveReaderIndex(forwardBy: dataStart)
                var chunk = cursor.readSlice(length: size)!
                body.writeBuffer(&chunk)
                if size == 0 {
                    // Trailer fields, each on its line, end with an empty line.
                    while true {
                        let rest = cursor.readableBytesView
                        guard let end = rest.firstRange(of: Array("\r\n".utf8)) else { return nil }
                        cursor.moveReaderIndex(forwardBy: end.upperBound - rest.startIndex)
                        if end.lowerBound == rest.startIndex { break }
                    }
                    break
                }
                cursor.moveReaderIndex(forwardBy: 2)
            }
            buffer = cursor
            response.body = body
            return response
        }
        guard peerClosed else { return nil }
        buffer.moveReaderIndex(forwardBy: bodyStart)
        response.body = buffer.readSlice(length: buffer.readableBytes)!
        return response
    }
}

struct TestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension StringProtocol {
    func trimmingCharacters() -> String {
        String(self.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
