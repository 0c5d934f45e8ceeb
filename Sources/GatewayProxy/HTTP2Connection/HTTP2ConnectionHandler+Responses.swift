import GatewayHTTP1
import GatewayPolicy
import NIOCore
import NIOHPACK
import NIOHTTP2

/// Writing responses as HTTP/2 frames, the upstream connections' reports, and the
/// connection's life on the loop.
extension HTTP2ConnectionHandler {
    func writeResponseHead(_ streamID: HTTP2StreamID) {
        guard let context = self.context, let stream = self.streams[streamID], let head = stream.io.responseHead else { return }
        var headers = HPACKHeaders()
        headers.reserveCapacity(head.fields.count + 2)
        headers.add(name: ":status", value: String(head.status))
        let tokens = ConnectionTokens(head.fields)
        head.fields.buffer.withUnsafeReadableBytes { bytes in
            for field in head.fields {
                let name = UnsafeRawBufferPointer(rebasing: bytes[field.name])
                switch FieldRole(name: name) {
                case .hopByHop, .connection, .pseudo:
                    continue
                case .gatewayOwned where ASCIIName.equals(name, "x-request-id"):
                    continue
                default:
                    // RFC 9113 §8.1.2: connection-specific fields are malformed in HTTP/2, and
                    // field names are lowercase.
                    if tokens.contains(name) || ASCIIName.equals(name, "host") { continue }
                    let value = UnsafeRawBufferPointer(rebasing: bytes[field.value])
                    headers.add(
                        name: ASCIIName.lowercased(name),
                        value: String(decoding: value, as: UTF8.self),
                        indexing: ResponseFieldIndexing.indexing(of: name)
                    )
                }
            }
        }
        // Unique per response: kept out of HPACK's dynamic table, where it would only evict
        // the fields that do repeat and lengthen every later lookup.
        headers.add(name: "x-request-id", value: stream.io.requestID, indexing: .nonIndexable)
        let framing = ResponseFraming.forClient(
            upstream: head.framing.kind,
            status: head.status,
            requestIsHEAD: stream.isHEAD,
            client: .http2
        )
        self.streams[streamID]?.io.responseHead = nil
        self.streams[streamID]?.io.responseFraming = framing
        let frame = HTTP2Frame(streamID: streamID, payload: .headers(.init(headers: headers, endStream: false)))
        context.write(NIOAny.frame(frame), promise: nil)
    }

    /// Writes body bytes as DATA; the bytes are counted until NIOHTTP2 has written them, so a
    /// client that does not open its window holds the upstream's reads, not the gateway's
    /// memory.
    func writeResponseBody(_ streamID: HTTP2StreamID, _ bytes: ByteBuffer, endStream: Bool) {
        guard let context = self.context, let stream = self.streams[streamID] else { return }
        if stream.io.responseFraming == .none, !endStream { return }
        let count = stream.io.responseFraming == .none ? 0 : bytes.readableBytes
        let payload = count == 0 ? ChannelAllocator.shared.buffer(capacity: 0) : bytes
        let frame = HTTP2Frame(streamID: streamID, payload: .data(.init(data: .byteBuffer(payload), endStream: endStream)))
        guard count > 0 else {
            context.write(NIOAny.frame(frame), promise: nil)
            return
        }
        self.streams[streamID]?.outboundBuffered += count
        let promise = context.eventLoop.makePromise(of: Void.self)
        promise.futureResult.assumeIsolated().whenComplete { [weak self] _ in
            guard let self, self.streams[streamID] != nil else { return }
            self.streams[streamID]?.outboundBuffered -= count
            self.resumeUpstreamReads(streamID)
        }
        context.write(NIOAny.frame(frame), promise: promise)
    }

    func endResponse(_ streamID: HTTP2StreamID, trailers: TrailerFields?, upstream disposition: UpstreamDisposition) {
        guard let context = self.context else { return }
        self.streams[streamID]?.io.upstreamEndNanoseconds = Clock.monotonicNanoseconds()
        if let connection = self.streams[streamID]?.io.takeUpstream() {
            if disposition == .release, let pool = connection.pool {
                pool.release(connection)
            } else {
                connection.close()
            }
        }
        if let headers = trailers.flatMap(Self.trailerBlock) {
            let frame = HTTP2Frame(streamID: streamID, payload: .headers(.init(headers: headers, endStream: true)))
            context.write(NIOAny.frame(frame), promise: nil)
        } else {
            self.writeResponseBody(streamID, ChannelAllocator.shared.buffer(capacity: 0), endStream: true)
        }
        self.audit(streamID)
        self.flushSoon()
    }

    /// The upstream's trailers as an HTTP/2 block: names lowercased, connection-specific fields
    /// dropped (RFC 9113 §8.2.2); nil when none is left.
    static func trailerBlock(_ trailers: TrailerFields) -> HPACKHeaders? {
        var headers = HPACKHeaders()
        for field in trailers.fields {
            var name = field.name.lowercased()
            if name.withUTF8({ HTTP2FieldBlockCheck.isConnectionSpecific(UnsafeRawBufferPointer($0)) }) { continue }
            headers.add(name: name, value: field.value, indexing: ResponseFieldIndexing.indexing(of: name))
        }
        return headers.isEmpty ? nil : headers
    }

    func writeLocal(_ streamID: HTTP2StreamID, _ response: LocalResponse) {
        guard let context = self.context, let stream = self.streams[streamID] else { return }
        let allocator = ChannelAllocator.shared
        var headers = HPACKHeaders()
        let body: ByteBuffer
        switch response {
        case .denial(let denial):
            body = DenialBody.make(reason: denial.reason, message: denial.message, requestID: stream.io.requestID, allocator: allocator)
            headers.add(name: ":status", value: String(denial.status))
            headers.add(name: "content-type", value: "application/json")
            headers.add(name: "content-length", value: String(body.readableBytes), indexing: .nonIndexable)
            headers.add(name: "cache-control", value: "no-store")
            headers.add(name: "x-request-id", value: stream.io.requestID, indexing: .nonIndexable)
            for (name, value) in denial.headers {
                headers.add(name: name.lowercased(), value: value, indexing: ResponseFieldIndexing.indexing(of: name))
            }
        case .answer(let status, let fields, let answerBody):
            body = answerBody
            headers.add(name: ":status", value: String(status))
            for (name, value) in fields {
                headers.add(name: name.lowercased(), value: value, indexing: ResponseFieldIndexing.indexing(of: name))
            }
            headers.add(name: "content-length", value: String(body.readableBytes), indexing: .nonIndexable)
            headers.add(name: "x-request-id", value: stream.io.requestID, indexing: .nonIndexable)
        }
        let sendsBody = !stream.isHEAD && body.readableBytes > 0
        let head = HTTP2Frame(streamID: streamID, payload: .headers(.init(headers: headers, endStream: !sendsBody)))
        context.write(NIOAny.frame(head), promise: nil)
        if sendsBody {
            context.write(NIOAny.frame(HTTP2Frame(streamID: streamID, payload: .data(.init(data: .byteBuffer(body), endStream: true)))), promise: nil)
            let count = Int64(body.readableBytes)
            _ = self.machine.withExchange(streamID) { exchange in
                exchange.record.bytesOut = count
                return .none
            }
        }
    }

    func goAway(lastStreamID: HTTP2StreamID, errorCode: HTTP2ErrorCode, thenClose: Bool) {
        guard let context = self.context else { return }
        let frame = HTTP2Frame(streamID: .rootStream, payload: .goAway(lastStreamID: lastStreamID, errorCode: errorCode, opaqueData: nil))
        let written = context.writeAndFlush(NIOAny.frame(frame))
        if thenClose { written.assumeIsolated().whenComplete { _ in context.close(promise: nil) } }
    }
}

extension HTTP2ConnectionHandler: UpstreamReceiver {
    func upstream(_ event: UpstreamEvent, exchangeID: Int) {
        let streamID = HTTP2StreamID(exchangeID)
        guard let stream = self.streams[streamID] else { return }
        let now = Clock.monotonicNanoseconds()
        switch event {
        case .responseHead(let head):
            self.streams[streamID]?.io.upstreamDeadline = now + stream.io.responseTimeout
            self.streams[streamID]?.io.responseHead = head
            self.perform(self.machine.withExchange(streamID) { $0.upstreamResponseHead(status: head.status, keepAlive: head.keepAlive) })
        case .responseBody(let bytes):
            self.streams[streamID]?.io.upstreamDeadline = now + stream.io.responseTimeout
            self.perform(self.machine.withExchange(streamID) { $0.upstreamResponseBody(bytes) })
        case .responseEnd(let trailers):
            self.streams[streamID]?.io.upstreamDeadline = nil
            self.streams[streamID]?.io.upstreamEndNanoseconds = now
            self.perform(self.machine.withExchange(streamID) { $0.upstreamResponseEnd(trailers.map(TrailerFields.init(http1:))) })
        case .readComplete:
            self.flushSoon()
        case .closed:
            _ = self.streams[streamID]?.io.takeUpstream()
            self.perform(self.machine.withExchange(streamID) { $0.upstreamClosed() })
            self.flushSoon()
        case .writable:
            self.credit(streamID)
            self.flushSoon()
        }
    }

    func clientIsWritable(exchangeID: Int) -> Bool {
        let streamID = HTTP2StreamID(exchangeID)
        guard let stream = self.streams[streamID] else { return true }
        let writable = (self.context?.channel.isWritable ?? false) && stream.outboundBuffered <= Self.outboundHighWater
        if !writable { self.streams[streamID]?.upstreamReadsHeld = true }
        return writable
    }
}

extension HTTP2ConnectionHandler: ClientConnection {
    func checkDeadlines(now: Int64) {
        self.perform(self.machine.tick(now: now))
        for (streamID, stream) in self.streams {
            guard let deadline = stream.io.upstreamDeadline, now >= deadline else { continue }
            self.streams[streamID]?.io.upstreamDeadline = nil
            self.perform(self.machine.withExchange(streamID) { $0.upstreamTimedOut() })
        }
        self.context?.flush()
    }

    func beginDrain() {
        self.perform(self.machine.beginDrain())
    }

    func abort() {
        for streamID in Array(self.streams.keys) {
            self.perform(self.machine.withExchange(streamID) { $0.abort() })
        }
        self.goAway(lastStreamID: self.machine.lastStreamID, errorCode: .noError, thenClose: true)
    }

    func resumeReadsIfPossible() {
        for streamID in Array(self.streams.keys) { self.credit(streamID) }
        self.context?.flush()
    }
}
