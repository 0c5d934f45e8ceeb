import GatewayRules
import GatewayTokens
import GatewayPolicy
import NIOCore
import NIOHPACK
import NIOHTTP2

/// Starting a stream's exchange and performing what it decides.
extension HTTP2ConnectionHandler {
    /// A request header block opened a stream (RFC 9113 §8.1).
    func begin(_ streamID: HTTP2StreamID, _ headers: HPACKHeaders, _ line: HTTP2FieldBlockCheck.RequestLine, endStream: Bool) {
        guard self.machine.accepts(streamID) else { return }
        let configuration = self.loop.configuration
        let fields = HPACKRequestFields(headers: headers, authority: line.hasHost ? nil : line.authority)
        let peerIsTrusted = configuration.isTrustedProxy(self.peer.bytes)
        let method = line.method
        let target = line.path
        let authority = line.authority
        let hosts = line.hasHost ? headers[canonicalForm: "host"] : []
        let io = ExchangeIO(
            id: Int(streamID),
            configuration: configuration,
            requestID: ClientAddress.requestID(fields, generator: &self.loop.requestIDs),
            client: ClientAddress.resolve(
                peer: self.peer,
                peerIsTrusted: peerIsTrusted,
                fields: fields,
                isTrusted: { configuration.isTrustedProxy($0) }
            ),
            peerIsTrusted: peerIsTrusted,
            method: method,
            host: "",
            rawPath: HTTP1ConnectionHandler.path(of: target),
            startNanoseconds: Clock.monotonicNanoseconds(),
            startMilliseconds: Clock.wallMilliseconds()
        )
        // `:authority` and `host` must agree when both are present (RFC 9113 §8.3.1).
        let disagree = authority != nil && hosts.contains { $0 != authority }
        let admission = ExchangeAdmission.Head(
            method: method,
            target: target,
            authority: (authority ?? hosts.first.map { String($0) }).map { .raw($0) },
            authorityCount: disagree ? 2 : max(hosts.count, authority == nil ? 0 : 1),
            requiresAuthority: true,
            hasBody: !endStream,
            isSecure: true
        )
        let decided = ExchangeAdmission.decide(
            admission,
            fields: fields,
            configuration: configuration,
            context: PolicyContext(now: Clock.wallMilliseconds() / 1000, tokenCache: self.loop.tokenCache),
            isDraining: self.loop.isDraining
        )
        if let kid = decided.unknownKeyID { configuration.unknownKeyObserver?(kid) }
        let stream = HTTP2StreamIO(
            io: io,
            request: headers,
            authority: line.hasHost ? nil : authority,
            isHEAD: method == "HEAD"
        )
        stream.io.host = decided.host
        stream.io.tokenOperation = decided.tokenOperation
        self.streams[streamID] = stream
        let length = line.contentLength.flatMap(Int.init)
        let body: ExchangeRequest.Body = endStream ? .none : length.map { $0 > 0 ? .length($0) : .stream } ?? .stream
        let request = ExchangeRequest(
            body: body,
            isHEAD: method == "HEAD",
            isIdempotent: Self.idempotentMethods.contains(method),
            expectsContinue: false
        )
        var verdict = decided.verdict
        if case .local(let limit, _) = verdict { verdict = .local(maxBodyBytes: limit, path: decided.path) }
        self.perform(
            self.machine.begin(
                streamID,
                verdict: verdict,
                request: request,
                limits: configuration.exchangeLimits,
                targetCount: configuration.targetCount(of: decided.verdict)
            )
        )
    }

    /// RFC 9110 §9.2.2.
    static let idempotentMethods: Set<String> = ["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]

    // MARK: Performing

    func perform(_ action: HTTP2ConnectionStateMachine.Action) {
        switch action {
        case .none:
            break
        case .exchange(let streamID, let action):
            self.perform(action, streamID: streamID)
        case .goAway(let lastStreamID, let errorCode, let thenClose):
            self.goAway(lastStreamID: lastStreamID, errorCode: errorCode, thenClose: thenClose)
        case .close:
            // The last stream of a draining connection ended. That is often learnt inside
            // NIOHTTP2's flush (its END_STREAM closed the stream): closing there would drop the
            // response being flushed, so the close waits until the flush is done.
            guard let context = self.context else { return }
            context.eventLoop.assumeIsolated().execute {
                context.flush()
                context.close(promise: nil)
            }
        case .shut:
            guard let context = self.context else { return }
            // The GOAWAY NIOHTTP2 wrote may wait for the end of the read: out it goes first.
            context.flush()
            context.triggerUserOutboundEvent(HTTP2ConnectionGuard.Shut(), promise: nil)
        case .resetMalformed(let streamID):
            // Flushed with the rest of this read (`channelReadComplete`).
            self.context?.write(NIOAny.frame(HTTP2Frame(streamID: streamID, payload: .rstStream(.protocolError))), promise: nil)
        case .calm(let lastStreamID):
            let frame = HTTP2Frame(streamID: .rootStream, payload: .goAway(lastStreamID: lastStreamID, errorCode: .enhanceYourCalm, opaqueData: nil))
            self.context?.write(NIOAny.frame(frame), promise: nil)
            self.perform(.shut)
        }
    }

    func perform(_ action: ExchangeAction, streamID: HTTP2StreamID) {
        switch action {
        case .none:
            break
        case .writeContinue:
            self.perform(self.machine.withExchange(streamID) { $0.continueWritten() })
        case .claimNonce(let nonce):
            guard let io = self.streams[streamID]?.io else { return }
            self.loop.claim(nonce, in: io.configuration) { [weak self] outcome in
                guard let self, self.streams[streamID]?.io.id == io.id else { return }
                self.perform(self.machine.withExchange(streamID) { $0.nonceClaimed(outcome) })
                self.flushSoon()
            }
        case .checkRateLimit(let rule):
            guard let io = self.streams[streamID]?.io, let allowance = self.machine.exchange(streamID)?.allowance else { return }
            self.loop.limit(rule, allowance: allowance, client: io.client, in: io.configuration) { [weak self] refusal in
                guard let self, self.streams[streamID]?.io.id == io.id else { return }
                self.perform(self.machine.withExchange(streamID) { $0.rateLimitDecided(refusal) })
                self.flushSoon()
            }
        case .connect(let fresh):
            self.connect(streamID, fresh: fresh)
        case .sendRequest(let body, let end):
            self.sendRequest(streamID, body: body, end: end)
        case .forwardBody(let bytes):
            guard let stream = self.streams[streamID] else { return }
            stream.io.upstream?.sendBody(bytes)
            stream.io.needsUpstreamFlush = true
            // `response_timeout` counts from the last body bytes forwarded (as for HTTP/1.1).
            stream.io.upstreamDeadline = Clock.monotonicNanoseconds() + stream.io.responseTimeout
        case .forwardEnd(let trailers):
            self.forwardEnd(streamID, trailers)
        case .lookUpRevocation(let key):
            guard let io = self.streams[streamID]?.io else { return }
            self.loop.lookUpRevocation(key, in: io.configuration) { [weak self] presence in
                guard let self, self.streams[streamID]?.io.id == io.id else { return }
                self.perform(self.machine.withExchange(streamID) { $0.revocationLookedUp(presence) })
                self.flushSoon()
            }
        case .answerLocally(let body):
            self.answerToken(streamID, body)
        case .writeResponseHead:
            self.writeResponseHead(streamID)
        case .writeResponseBody(let bytes):
            self.writeResponseBody(streamID, bytes, endStream: false)
        case .endResponse(let trailers, let upstream, let then):
            self.endResponse(streamID, trailers: trailers, upstream: upstream)
            self.finishStream(streamID, then: then)
        case .respond(let response, let then):
            self.dropUpstream(streamID)
            self.writeLocal(streamID, response)
            // The record is written when the response ends (SPEC §5), before its bytes leave.
            self.audit(streamID)
            self.flushSoon()
            self.finishStream(streamID, then: then)
        case .cut:
            self.dropUpstream(streamID)
            self.audit(streamID)
            self.reset(streamID, .internalError)
            self.perform(self.machine.forget(streamID, now: Clock.monotonicNanoseconds()))
            self.streams[streamID] = nil
        case .abandon:
            // The stream is gone; the caller forgets it.
            self.dropUpstream(streamID)
            self.audit(streamID)
        }
    }

    /// The response is out: a request still sending its body is asked to stop (RST_STREAM
    /// NO_ERROR, RFC 9113 §8.1); the stream's exchange is over.
    private func finishStream(_ streamID: HTTP2StreamID, then: RequestDisposition) {
        if then != .complete, self.machine.exchange(streamID)?.requestEnded == false {
            self.reset(streamID, .noError)
        }
        self.perform(self.machine.forget(streamID, now: Clock.monotonicNanoseconds()))
        self.streams[streamID] = nil
    }

    private func reset(_ streamID: HTTP2StreamID, _ code: HTTP2ErrorCode) {
        // What the stream wrote waits for a flush in NIOHTTP2, which drops a stream's pending
        // frames when its RST_STREAM is written: the response goes out first.
        self.context?.flush()
        self.context?.writeAndFlush(NIOAny.frame(HTTP2Frame(streamID: streamID, payload: .rstStream(code))), promise: nil)
    }

    /// The token endpoint answers the whole body (SPEC §8).
    private func answerToken(_ streamID: HTTP2StreamID, _ body: ByteBuffer) {
        guard let stream = self.streams[streamID], let operation = stream.io.tokenOperation else {
            self.perform(self.machine.withExchange(streamID) { $0.tokenAnswered(nil) })
            return
        }
        let fields = HPACKRequestFields(headers: stream.request, authority: stream.authority)
        let request = TokenEndpointRequest(
            method: stream.io.method,
            contentType: fields.strings("content-type"),
            authorization: fields.strings("authorization"),
            body: Array(body.readableBytesView)
        )
        let id = stream.io.id
        self.loop.answerToken(operation, request, client: stream.io.client, in: stream.io.configuration) { [weak self] response in
            guard let self, self.streams[streamID]?.io.id == id else { return }
            self.perform(self.machine.withExchange(streamID) { $0.tokenAnswered(response) })
            self.flushSoon()
        }
    }

    private func connect(_ streamID: HTTP2StreamID, fresh: Bool) {
        guard let io = self.streams[streamID]?.io, let allowance = self.machine.exchange(streamID)?.allowance else { return }
        if io.upstreamStartNanoseconds == nil { self.streams[streamID]?.io.upstreamStartNanoseconds = Clock.monotonicNanoseconds() }
        guard let selection = self.loop.selectUpstream(for: allowance, in: io.configuration) else {
            self.perform(self.machine.withExchange(streamID) { $0.upstreamConnectFailed() })
            return
        }
        self.streams[streamID]?.io.target = selection.target
        self.streams[streamID]?.io.responseTimeout = selection.upstream.responseTimeout.nanoseconds
        if !fresh, let connection = selection.pool.takeIdle() {
            self.connected(streamID, connection)
            return
        }
        self.loop.connect(selection) { [weak self] result in
            guard let self, self.streams[streamID]?.io.id == io.id else {
                if case .success(let connection) = result { connection.pool?.release(connection) }
                return
            }
            switch result {
            case .success(let connection):
                self.connected(streamID, connection)
            case .failure:
                self.perform(self.machine.withExchange(streamID) { $0.upstreamConnectFailed() })
            }
            self.flushSoon()
        }
    }

    private func connected(_ streamID: HTTP2StreamID, _ connection: UpstreamConnection) {
        connection.attach(to: self, exchangeID: Int(streamID))
        self.streams[streamID]?.io.upstream = connection
        self.perform(self.machine.withExchange(streamID) { $0.upstreamConnected() })
    }

    private func sendRequest(_ streamID: HTTP2StreamID, body: [ByteBuffer], end: RequestEnd?) {
        guard let stream = self.streams[streamID], let connection = stream.io.upstream,
            let exchange = self.machine.exchange(streamID), let allowance = exchange.allowance
        else { return }
        let isChunked = exchange.request.body == .stream
        let bytes = UpstreamRequestHead(
            peerAddress: self.peer.text,
            peerIsTrusted: stream.io.peerIsTrusted,
            isSecure: true,
            requestID: stream.io.requestID
        ).encode(
            method: stream.io.method,
            fields: HPACKRequestFields(headers: stream.request, authority: stream.authority),
            authority: stream.authority,
            allowance: allowance,
            isChunked: isChunked,
            allocator: ChannelAllocator.shared
        )
        connection.sendHead(bytes, isHEAD: stream.isHEAD, isChunked: isChunked)
        for piece in body { connection.sendBody(piece) }
        if let end {
            connection.sendEnd(trailers: UpstreamRequestHead.filter(end.trailers, of: allowance.route))
        }
        connection.flush()
        self.streams[streamID]?.io.upstreamDeadline = Clock.monotonicNanoseconds() + stream.io.responseTimeout
        self.credit(streamID)
    }

    private func forwardEnd(_ streamID: HTTP2StreamID, _ trailers: TrailerFields?) {
        guard let connection = self.streams[streamID]?.io.upstream, let allowance = self.machine.exchange(streamID)?.allowance else {
            return
        }
        connection.sendEnd(trailers: UpstreamRequestHead.filter(trailers, of: allowance.route))
        connection.flush()
        self.streams[streamID]?.io.needsUpstreamFlush = false
    }

    func dropUpstream(_ streamID: HTTP2StreamID) {
        self.streams[streamID]?.io.takeUpstream()?.close()
    }

    func audit(_ streamID: HTTP2StreamID) {
        guard self.streams[streamID] != nil, let record = self.machine.exchange(streamID)?.record else { return }
        self.loop.record(self.streams[streamID]!.io, record)
    }
}
