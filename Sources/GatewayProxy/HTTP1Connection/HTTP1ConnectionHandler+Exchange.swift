import GatewayReplay
import GatewayRules
import GatewayTokens
import GatewayHTTP1
import GatewayPolicy
import GatewayRouting
import NIOCore

/// Starting exchanges and performing what they decide.
extension HTTP1ConnectionHandler {
    // MARK: Starting

    /// A head arrived: the HTTP rules and the policy give its verdict, and its exchange starts
    /// under the rules current now (kept for the whole exchange).
    func begin(_ head: HTTP1RequestHead, start: Bool = true) {
        let configuration = self.loop.configuration
        let fields = HTTP1RequestFields(head.fields)
        let peerIsTrusted = configuration.isTrustedProxy(self.peer.bytes)
        let target = head.targetString
        let io = ExchangeIO(
            id: self.nextExchangeID(),
            configuration: configuration,
            requestID: ClientAddress.requestID(fields, generator: &self.loop.requestIDs),
            client: ClientAddress.resolve(
                peer: self.peer,
                peerIsTrusted: peerIsTrusted,
                fields: fields,
                isTrusted: { configuration.isTrustedProxy($0) }
            ),
            peerIsTrusted: peerIsTrusted,
            method: head.method.rawValue,
            host: "",
            rawPath: Self.path(of: target),
            startNanoseconds: Clock.monotonicNanoseconds(),
            startMilliseconds: Clock.wallMilliseconds()
        )
        let host = head.fields.first("host")
        let admission = ExchangeAdmission.Head(
            method: io.method,
            target: target,
            authority: host.map { host in
                .normalized(head.fields.withBytes(host) { GatewayRouting.HostName.normalize(bytes: $0) })
            },
            // The decoder refuses a head with a second `Host` (`FramingFields`).
            authorityCount: host == nil ? 0 : 1,
            requiresAuthority: head.version == .http1_1,
            hasBody: head.framing != .none,
            isSecure: self.isSecure
        )
        var decided = ExchangeAdmission.decide(
            admission,
            fields: fields,
            configuration: configuration,
            context: PolicyContext(now: Clock.wallMilliseconds() / 1000, tokenCache: self.loop.tokenCache),
            isDraining: self.loop.isDraining
        )
        if let kid = decided.unknownKeyID { configuration.unknownKeyObserver?(kid) }
        io.host = decided.host
        io.tokenOperation = decided.tokenOperation
        io.requestHead = head
        self.io = io
        var targetCount = 1
        var localLimit: Int?
        // Read without changing it (a change inside the switch copied the whole outcome).
        switch decided.verdict {
        case .refuse(let denial) where denial.reason == .badRequest:
            // A head the HTTP rules refuse (no or several `Host`, a target not in origin form):
            // what the client sends next cannot be trusted to be framed as it thinks.
            self.machine.closeAfterResponse()
        case .local(let limit, _):
            localLimit = limit
        case .allow(let allowance):
            targetCount = configuration.targetCount(of: allowance)
        default:
            break
        }
        if let localLimit { decided.verdict = .local(maxBodyBytes: localLimit, path: decided.path) }
        let request = ExchangeRequest(
            body: ExchangeRequest.Body(head.framing),
            isHEAD: head.method == .HEAD,
            isIdempotent: head.method.isIdempotent,
            expectsContinue: head.expectsContinue
        )
        let action = self.machine.begin(
            decided.verdict,
            request: request,
            limits: configuration.exchangeLimits,
            targetCount: targetCount
        )
        if start { self.perform(action) }
    }

    /// The codec refused the bytes (400, 414, 431, 501): answered, and the connection closes.
    /// Audited only when the request line itself was well formed and in bounds (SPEC §9: an
    /// unparsable or over-long request line leaves no record).
    func beginRefused(_ error: HTTP1RequestError) {
        let reason: DenyReason
        switch error.kind {
        case .uriTooLong: reason = .uriTooLong
        case .headTooLarge: reason = .headersTooLarge
        case .malformed: reason = .badRequest
        case .unsupportedTransferEncoding: reason = .notImplemented
        }
        self.beginLocalRefusal(reason, requestLine: error.kind == .uriTooLong ? nil : error.requestLine)
    }

    /// `header_timeout` passed before the head was whole: 408, and the connection closes.
    func beginTimedOut() {
        self.beginLocalRefusal(.headerTimeout, requestLine: self.machine.decoder.requestLineSoFar)
    }

    private func beginLocalRefusal(_ reason: DenyReason, requestLine: HTTP1RequestLine?) {
        let configuration = self.loop.configuration
        let io = ExchangeIO(
            id: self.nextExchangeID(),
            configuration: configuration,
            requestID: self.loop.requestIDs.next(),
            client: self.peer.text,
            peerIsTrusted: false,
            method: requestLine?.method ?? "",
            host: "",
            rawPath: Self.path(of: requestLine?.target ?? ""),
            startNanoseconds: Clock.monotonicNanoseconds(),
            startMilliseconds: Clock.wallMilliseconds()
        )
        io.isAudited = requestLine != nil
        self.io = io
        let action = self.machine.begin(
            .refuse(Denial(reason: reason)),
            request: ExchangeRequest(body: .none),
            limits: configuration.exchangeLimits
        )
        self.perform(action)
    }

    /// The path part of a target, for the audit record until the policy normalised it.
    static func path(of target: String) -> String {
        String(target.targetPath)
    }

    // MARK: Performing

    func perform(_ action: ExchangeAction) {
        switch action {
        case .none:
            break
        case .writeContinue:
            self.writeContinue()
            self.perform(self.machine.withExchange { $0.continueWritten() })
        case .claimNonce(let nonce):
            self.claim(nonce)
        case .checkRateLimit(let rule):
            self.limit(rule)
        case .connect(let fresh):
            self.connect(fresh: fresh)
        case .sendRequest(let body, let end):
            self.sendRequest(body: body, end: end)
        case .forwardBody(let bytes):
            self.io?.upstream?.sendBody(bytes)
            self.io?.needsUpstreamFlush = true
            // The upstream is not silent while the request is still being sent to it: its
            // `response_timeout` counts from the last body bytes forwarded.
            if let timeout = self.io?.responseTimeout { self.io?.upstreamDeadline = Clock.monotonicNanoseconds() + timeout }
        case .forwardEnd(let trailers):
            self.forwardEnd(trailers)
        case .lookUpRevocation(let key):
            guard let io = self.io else { return }
            let id = io.id
            self.loop.lookUpRevocation(key, in: io.configuration) { [weak self] presence in
                guard let self, self.io?.id == id else { return }
                self.perform(self.machine.withExchange { $0.revocationLookedUp(presence) })
                self.pump()
            }
        case .answerLocally(let body):
            self.answerToken(body)
        case .writeResponseHead:
            self.writeResponseHead()
        case .writeResponseBody(let bytes):
            self.writeResponseBody(bytes)
        case .endResponse(let trailers, let upstream, _):
            self.endResponse(trailers: trailers, upstream: upstream)
        case .respond(let response, _):
            self.dropUpstream()
            self.writeLocal(response)
            // The record is written when the response ends (SPEC §5), before its bytes leave.
            self.audit()
            self.flushClient()
        case .cut:
            // What was started leaves before the connection closes: a close drops writes not
            // yet flushed.
            self.writePendingHead()
            self.dropUpstream()
            self.audit()
            self.flushClient()
            self.context?.close(promise: nil)
        case .abandon:
            self.dropUpstream()
            self.audit()
        }
    }

    /// The token endpoint answers the whole body (SPEC §8).
    private func answerToken(_ body: ByteBuffer) {
        guard let io = self.io, let operation = io.tokenOperation, let head = io.requestHead else {
            self.perform(self.machine.withExchange { $0.tokenAnswered(nil) })
            return
        }
        let fields = HTTP1RequestFields(head.fields)
        let request = TokenEndpointRequest(
            method: io.method,
            contentType: fields.strings("content-type"),
            authorization: fields.strings("authorization"),
            body: Array(body.readableBytesView)
        )
        let id = io.id
        self.loop.answerToken(operation, request, client: io.client, in: io.configuration) { [weak self] response in
            guard let self, self.io?.id == id else { return }
            self.perform(self.machine.withExchange { $0.tokenAnswered(response) })
            self.pump()
        }
    }

    private func claim(_ nonce: ReplayNonce) {
        guard let io = self.io else { return }
        let id = io.id
        self.loop.claim(nonce, in: io.configuration) { [weak self] outcome in
            guard let self, self.io?.id == id else { return }
            self.perform(self.machine.withExchange { $0.nonceClaimed(outcome) })
            self.pump()
        }
    }

    private func limit(_ rule: RateLimitRule) {
        guard let io = self.io, let allowance = self.machine.allowance else { return }
        let id = io.id
        self.loop.limit(rule, allowance: allowance, client: io.client, in: io.configuration) { [weak self] refusal in
            guard let self, self.io?.id == id else { return }
            self.perform(self.machine.withExchange { $0.rateLimitDecided(refusal) })
            self.pump()
        }
    }

    private func connect(fresh: Bool) {
        guard let io = self.io, let allowance = self.machine.allowance else { return }
        if io.upstreamStartNanoseconds == nil { self.io?.upstreamStartNanoseconds = Clock.monotonicNanoseconds() }
        guard let selection = self.loop.selectUpstream(for: allowance, in: io.configuration) else {
            self.perform(self.machine.withExchange { $0.upstreamConnectFailed() })
            return
        }
        self.io?.target = selection.target
        self.io?.responseTimeout = selection.upstream.responseTimeout.nanoseconds
        if !fresh, let connection = selection.pool.takeIdle() {
            self.connected(connection)
            return
        }
        let id = io.id
        self.loop.connect(selection) { [weak self] result in
            guard let self, self.io?.id == id else {
                if case .success(let connection) = result { connection.pool?.release(connection) }
                return
            }
            switch result {
            case .success(let connection):
                self.connected(connection)
            case .failure:
                self.perform(self.machine.withExchange { $0.upstreamConnectFailed() })
            }
            self.pump()
        }
    }

    private func connected(_ connection: UpstreamConnection) {
        guard let io = self.io else { return }
        connection.attach(to: self, exchangeID: io.id)
        self.io?.upstream = connection
        self.perform(self.machine.withExchange { $0.upstreamConnected() })
    }

    private func sendRequest(body: [ByteBuffer], end: RequestEnd?) {
        guard let io = self.io, let connection = io.upstream, let head = io.requestHead,
            let allowance = self.machine.allowance
        else { return }
        let isChunked = head.framing == .chunked
        let bytes = UpstreamRequestHead(
            peerAddress: self.peer.text,
            peerIsTrusted: io.peerIsTrusted,
            isSecure: self.isSecure,
            requestID: io.requestID
        ).encode(
            method: io.method,
            fields: head.fields,
            authority: nil,
            allowance: allowance,
            isChunked: isChunked,
            allocator: ChannelAllocator.shared
        )
        connection.sendHead(bytes, isHEAD: head.method == .HEAD, isChunked: isChunked)
        for piece in body { connection.sendBody(piece) }
        if let end {
            connection.sendEnd(trailers: UpstreamRequestHead.filter(end.trailers, of: allowance.route))
        }
        connection.flush()
        self.io?.upstreamDeadline = Clock.monotonicNanoseconds() + io.responseTimeout
    }

    private func forwardEnd(_ trailers: TrailerFields?) {
        guard let connection = self.io?.upstream, let allowance = self.machine.allowance else { return }
        connection.sendEnd(trailers: UpstreamRequestHead.filter(trailers, of: allowance.route))
        connection.flush()
        self.io?.needsUpstreamFlush = false
    }

    /// Takes the upstream connection from the exchange and closes it (it is not reused).
    func dropUpstream() {
        self.io?.takeUpstream()?.close()
    }

    /// Writes the exchange's audit record and metrics, once.
    func audit() {
        guard self.io != nil, let record = self.machine.record else { return }
        self.loop.record(self.io!, record)
    }

    /// Audits the whole pipelined requests that waited behind the current one when the client
    /// went away (SPEC §9 "Abandoned requests": 499 `client_closed`, with the policy's verdict).
    /// Nothing is claimed or forwarded for them.
    func auditAbandonedPipeline() {
        for head in self.machine.takePipelinedHeads() {
            self.begin(head, start: false)
            guard let io = self.io, var record = self.machine.record else { continue }
            record.status = 499
            record.reason = .clientClosed
            self.loop.record(io, record)
        }
        self.io = nil
    }
}

extension ExchangeRequest.Body {
    init(_ framing: HTTP1BodyFraming) {
        switch framing {
        case .none, .untilClose: self = .none
        case .length(let length): self = .length(length)
        case .chunked: self = .chunked
        }
    }
}
