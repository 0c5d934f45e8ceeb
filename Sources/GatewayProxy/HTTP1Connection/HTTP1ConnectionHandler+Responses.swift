import GatewayHTTP1
import GatewayPolicy
import NIOCore

/// Writing responses as HTTP/1.1 bytes, and the upstream connection's reports.
extension HTTP1ConnectionHandler {
    private static let continueResponse: ByteBuffer = {
        var buffer = ByteBufferAllocator().buffer(capacity: 25)
        buffer.writeStaticString("HTTP/1.1 100 Continue\r\n\r\n")
        return buffer
    }()

    /// Whether the connection closes after the response being written.
    var closesAfterResponse: Bool {
        self.machine.closesAfterResponse || self.machine.exchangeClosesConnection || self.loop.isDraining
    }

    private var clientProtocol: ClientProtocol {
        self.io?.requestHead?.version == .http1_0 ? .http1_0 : .http1_1
    }

    func writeContinue() {
        self.writeToClient(Self.continueResponse)
        self.flushClient()
    }

    func writeResponseHead() {
        guard self.context != nil, let io = self.io, let head = io.responseHead else { return }
        let (bytes, framing) = ClientResponseHead(
            requestID: io.requestID,
            client: self.clientProtocol,
            closeConnection: self.closesAfterResponse
        ).encode(head, requestIsHEAD: self.io?.requestHead?.method == .HEAD, allocator: ChannelAllocator.shared)
        self.io?.responseHead = nil
        self.io?.responseFraming = framing
        if framing == .untilClose { self.machine.closeAfterResponse() }
        self.io?.pendingHead = bytes
    }

    /// The most body bytes copied behind the head into its buffer, so that a small response
    /// leaves in one write (one pipeline write, one buffer in `sendmsg`); more is written as it came.
    static let coalescedBodyLimit = 4096

    /// Writes the response head held by `writeResponseHead`, if it is still held.
    func writePendingHead() {
        guard let head = self.io?.pendingHead else { return }
        self.io?.pendingHead = nil
        self.writeToClient(head)
    }

    func writeResponseBody(_ bytes: ByteBuffer) {
        guard self.context != nil, let framing = self.io?.responseFraming else { return }
        switch framing {
        case .none:
            break
        case .chunked:
            self.writePendingHead()
            // A framer per chunk: it holds nothing between chunks, and keeping one would cost
            // every idle connection its 56 bytes.
            HTTP1ChunkedEncoder(allocator: ChannelAllocator.shared).writeChunk(bytes) { self.writeToClient($0) }
        case .contentLength, .untilClose, .stream:
            if var head = self.io?.pendingHead, bytes.readableBytes <= Self.coalescedBodyLimit {
                self.io?.pendingHead = nil
                head.writeImmutableBuffer(bytes)
                self.writeToClient(head)
            } else {
                self.writePendingHead()
                self.writeToClient(bytes)
            }
        }
    }

    /// The response ended: its last chunk (with the upstream's trailers), the upstream
    /// connection back to its pool or closed, the audit record.
    func endResponse(trailers: TrailerFields?, upstream disposition: UpstreamDisposition) {
        guard self.context != nil else { return }
        self.writePendingHead()
        self.io?.upstreamEndNanoseconds = Clock.monotonicNanoseconds()
        if let connection = self.io?.takeUpstream() {
            if disposition == .release, let pool = connection.pool {
                pool.release(connection)
            } else {
                connection.close()
            }
        }
        if self.io?.responseFraming == .chunked {
            var writer = HTTP1HeadWriter(allocator: ChannelAllocator.shared, capacity: trailers == nil ? 5 : 128)
            writer.writeRaw("0\r\n")
            for field in trailers?.fields ?? [] { writer.add(name: field.name, value: field.value) }
            self.writeToClient(writer.finish())
        }
        // The record is written when the response ends (SPEC §5), before its last bytes leave.
        self.audit()
        self.flushClient()
    }

    /// Writes (without flushing) a response the gateway makes itself: a refusal's JSON body
    /// (SPEC §3), or a local endpoint's answer.
    func writeLocal(_ response: LocalResponse) {
        guard self.context != nil, let io = self.io else { return }
        let allocator = ChannelAllocator.shared
        var writer = HTTP1HeadWriter(allocator: allocator, capacity: 384)
        let body: ByteBuffer
        switch response {
        case .denial(let denial):
            body = DenialBody.make(reason: denial.reason, message: denial.message, requestID: io.requestID, allocator: allocator)
            writer.writeStatusLine(status: denial.status)
            writer.add(name: "content-type", value: "application/json")
            writer.add(name: "content-length", value: String(body.readableBytes))
            writer.add(name: "cache-control", value: "no-store")
            writer.add(name: "x-request-id", value: io.requestID)
            for (name, value) in denial.headers { writer.add(name: name, value: value) }
        case .answer(let status, let headers, let answerBody):
            body = answerBody
            writer.writeStatusLine(status: status)
            for (name, value) in headers { writer.add(name: name, value: value) }
            writer.add(name: "content-length", value: String(body.readableBytes))
            writer.add(name: "x-request-id", value: io.requestID)
        }
        if self.closesAfterResponse { writer.add(name: "connection", value: "close") }
        self.writeToClient(writer.finish())
        if self.io?.requestHead?.method != .HEAD, body.readableBytes > 0 {
            self.writeToClient(body)
            let count = Int64(body.readableBytes)
            _ = self.machine.withExchange { exchange in
                exchange.record.bytesOut = count
                return .none
            }
        }
    }
}

extension HTTP1ConnectionHandler: UpstreamReceiver {
    func upstream(_ event: UpstreamEvent, exchangeID: Int) {
        guard let io = self.io, io.id == exchangeID else { return }
        let now = Clock.monotonicNanoseconds()
        switch event {
        case .responseHead(let head):
            self.io?.upstreamDeadline = now + io.responseTimeout
            self.io?.responseHead = head
            self.perform(self.machine.withExchange { $0.upstreamResponseHead(status: head.status, keepAlive: head.keepAlive) })
        case .responseBody(let bytes):
            self.io?.upstreamDeadline = now + io.responseTimeout
            self.perform(self.machine.withExchange { $0.upstreamResponseBody(bytes) })
        case .responseEnd(let trailers):
            self.io?.upstreamDeadline = nil
            self.io?.upstreamEndNanoseconds = now
            self.perform(self.machine.withExchange { $0.upstreamResponseEnd(trailers.map(TrailerFields.init(http1:))) })
        case .readComplete:
            self.writePendingHead()
            self.flushClient()
        case .closed:
            _ = self.io?.takeUpstream()
            // A head still held has not left: the client can still be answered 502.
            let held = self.io?.pendingHead != nil
            if held { self.io?.pendingHead = nil }
            self.perform(self.machine.withExchange { $0.upstreamClosed(responseHeld: held) })
        case .writable:
            self.resumeReadsIfPossible()
        }
        self.pump()
    }

    func clientIsWritable(exchangeID: Int) -> Bool {
        self.context?.channel.isWritable ?? true
    }
}

extension HTTP1ConnectionHandler: ClientConnection {
    func checkDeadlines(now: Int64) {
        self.perform(self.machine.tick(now: now))
        if let deadline = self.io?.upstreamDeadline, now >= deadline {
            self.io?.upstreamDeadline = nil
            self.perform(self.machine.withExchange { $0.upstreamTimedOut() })
        }
        self.pump()
    }

    func beginDrain() {
        self.perform(self.machine.beginDrain())
        self.pump()
    }

    func abort() {
        guard self.machine.hasExchange, self.io?.isRecorded == false else {
            self.context?.close(promise: nil)
            return
        }
        self.perform(self.machine.withExchange { $0.abort() })
        self.pump()
    }
}
