import DequeModule
import GatewayAudit
import GatewayCredentials
import GatewayMetrics
import GatewayPolicy
import GatewayReplay
import GatewayRouting
import GatewayRules
import Logging
import NIOCore
import NIOHTTP1

/// The last handler of a client connection: takes decoded requests one at a time (pipelined
/// ones wait their turn, so responses leave in order), asks the policy, and either answers a
/// refusal or forwards the request over a pooled upstream connection of the same event loop,
/// streaming bodies both ways with backpressure.
///
/// It moves bytes and keeps time; it does not decide. Reads are held, not toggled per request:
/// only a slow upstream, a slow client or a deep pipeline stops them.
final class DownstreamHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// What waits behind the current exchange on a pipelined connection.
    private enum Queued {
        case part(HTTPServerRequestPart)
        case failure(RequestHeadError)
    }

    /// Body bytes buffered (while connecting, or pipelined) before reads are held.
    private static let bufferLimit = 256 * 1024
    /// A refused request's body up to this size is read and dropped to keep the connection;
    /// a larger one closes it.
    private static let discardLimit = 64 * 1024

    private let loop: LoopContext
    private let framing: RequestFraming?
    private let isSecure: Bool
    private var context: ChannelHandlerContext?
    private var peerAddress = "unknown"
    private var peerBytes: [UInt8]?

    private var exchange: Exchange?
    /// Empty until a client pipelines (an empty `Deque` holds no storage): most connections
    /// never do, and idle ones should cost little.
    private var queue = Deque<Queued>()
    private var queuedBytes = 0
    private var isDispatching = false

    private var readHeld = false
    /// The connection closes once the current response has been written.
    private var closeAfterResponse = false
    private var isClosed = false
    /// Monotonic nanoseconds by which the next head must be complete, while one is arriving.
    private var headDeadline: Int64?
    /// Monotonic nanoseconds at which an idle keep-alive connection closes.
    private var idleDeadline: Int64?

    init(loop: LoopContext, framing: RequestFraming?, isSecure: Bool) {
        self.loop = loop
        self.framing = framing
        self.isSecure = isSecure
    }

    var isWritable: Bool { self.context?.channel.isWritable ?? false }

    /// An HTTP/2 stream rather than an HTTP/1.1 connection (no HTTP/1 framing decoder).
    var isHTTP2Stream: Bool { self.framing == nil }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if let remote = context.channel.remoteAddress {
            self.peerAddress = remote.ipAddress ?? "unknown"
            self.peerBytes = remote.addressBytes
        }
        self.loop.register(self)
        self.armIdleDeadline()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // A channel closed before it ever became active sees no `channelInactive`; without this
        // it would stay registered and a drain would wait for it forever.
        self.connectionEnded()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.connectionEnded()
        context.fireChannelInactive()
    }

    /// The connection closed (once, whichever of `channelInactive` and `handlerRemoved` comes
    /// first): an exchange still running is audited, and the loop forgets the connection.
    private func connectionEnded() {
        guard !self.isClosed else { return }
        self.isClosed = true
        if let exchange = self.exchange {
            // The client left mid-exchange: the upstream connection cannot be reused. nginx's
            // 499 says so in the audit record.
            exchange.abandonUpstream()
            if self.loop.isDraining, exchange.decision == "allow" {
                // Cut at `shutdown_grace` (an HTTP/2 connection's grace ends by closing it).
                exchange.reason = DenyReason.shuttingDown.rawValue
                if !exchange.responseStarted { exchange.status = DenyReason.shuttingDown.status }
            } else if !exchange.responseStarted {
                exchange.status = 499
                if exchange.decision == "allow" { exchange.reason = "client_closed" }
            }
            self.audit(exchange)
            self.exchange = nil
        }
        self.loop.deregister(self)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = Self.unwrapInboundIn(data)
        self.trackFraming(part)
        if self.queue.isEmpty, self.exchange.map({ !$0.requestEnded }) ?? true {
            self.dispatch(part)
        } else {
            self.enqueue(.part(part))
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let exchange = self.exchange, exchange.needsUpstreamFlush {
            exchange.needsUpstreamFlush = false
            exchange.upstream?.flush()
        }
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is RequestHeadStarted {
            self.idleDeadline = nil
            self.headDeadline = Clock.monotonicNanoseconds() + self.loop.configuration.limits.headerTimeout.nanoseconds
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let failure = error as? RequestHeadError else {
            // Transport errors (reset by peer, …): nothing to answer.
            context.close(promise: nil)
            return
        }
        self.headDeadline = nil
        if let exchange = self.exchange, !exchange.requestEnded, self.queue.isEmpty {
            self.failCurrentBody(exchange, failure)
        } else if self.exchange != nil || !self.queue.isEmpty {
            self.enqueue(.failure(failure))
        } else {
            self.answer(failure)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { self.exchange?.upstream?.resumeReads() }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if self.shouldHoldReads {
            self.readHeld = true
        } else {
            context.read()
        }
    }

    // MARK: Requests

    /// Tells the framing decoder where the next head starts.
    private func trackFraming(_ part: HTTPServerRequestPart) {
        guard let framing = self.framing else { return }
        switch part {
        case .head(let head):
            self.headDeadline = nil
            // llhttp accepted the head, so a Transfer-Encoding means chunked framing.
            let chunked = head.headers.contains(name: "transfer-encoding")
            let length = chunked ? nil : head.headers.first(name: "content-length").flatMap { Int($0) }
            framing.headParsed(contentLength: length, isChunked: chunked)
        case .body:
            break
        case .end:
            framing.messageEnded()
        }
    }

    private func dispatch(_ part: HTTPServerRequestPart) {
        switch part {
        case .head(let head):
            self.start(head)
        case .body(let bytes):
            if let exchange = self.exchange { self.requestBody(exchange, bytes) }
        case .end(let trailers):
            if let exchange = self.exchange { self.requestEnd(exchange, trailers) }
        }
    }

    private func enqueue(_ item: Queued) {
        if case .part(.body(let bytes)) = item { self.queuedBytes += bytes.readableBytes }
        self.queue.append(item)
    }

    /// Runs queued (pipelined) requests while no exchange is busy with its request side.
    private func dispatchQueued() {
        guard !self.isDispatching else { return }
        self.isDispatching = true
        defer { self.isDispatching = false }
        while !self.isClosed, let next = self.queue.first, self.exchange.map({ !$0.requestEnded }) ?? true {
            if case .failure = next, self.exchange != nil { break }
            self.queue.removeFirst()
            switch next {
            case .part(let part):
                if case .body(let bytes) = part { self.queuedBytes -= bytes.readableBytes }
                self.dispatch(part)
            case .failure(let failure):
                self.answer(failure)
            }
        }
        self.resumeReadsIfPossible()
    }

    private func start(_ head: HTTPRequestHead) {
        self.idleDeadline = nil
        let configuration = self.loop.configuration
        let peerIsTrusted = configuration.isTrustedProxy(self.peerBytes)
        let client = ForwardedRequest.clientAddress(
            peer: self.peerAddress,
            peerIsTrusted: peerIsTrusted,
            headers: head.headers,
            isTrusted: { configuration.isTrustedProxy(SocketAddress.bytes(ofIP: $0)) }
        )
        let requestID = head.headers.first(name: "x-request-id").flatMap {
            RequestIDGenerator.isAcceptable($0) ? $0 : nil
        } ?? self.loop.requestIDs.next()
        let exchange = Exchange(head: head, requestID: requestID, client: client, connection: self)
        self.exchange = exchange
        if !exchange.isHTTP2, !head.isKeepAlive || head.headers.contains(name: "upgrade") || head.method == .CONNECT {
            // After an upgrade request llhttp parses nothing more on this connection.
            self.closeAfterResponse = true
        }
        if let failure = self.protocolFailure(of: head, exchange: exchange) {
            self.closeAfterResponse = true
            self.refuse(exchange, Denial(reason: failure))
            return
        }
        if self.loop.isDraining {
            self.closeAfterResponse = true
            self.refuse(exchange, Denial(reason: .shuttingDown))
            return
        }
        let request = PolicyRequest(
            method: head.method,
            target: head.uri,
            host: exchange.host.isEmpty ? nil : exchange.host,
            headers: head.headers,
            isSecure: self.isSecure
        )
        let context = PolicyContext(now: Clock.wallMilliseconds() / 1000, tokenCache: self.loop.tokenCache)
        switch configuration.policy.decide(request, context: context) {
        case .deny(let denial):
            if let kid = denial.unknownKeyID { configuration.unknownKeyObserver?(kid) }
            self.refuse(exchange, denial)
        case .allow(let allowance):
            self.allow(exchange, allowance, configuration: configuration, peerIsTrusted: peerIsTrusted)
        }
    }

    /// Checks HTTP rules the policy does not own: `Host`, `Transfer-Encoding`, target form.
    private func protocolFailure(of head: HTTPRequestHead, exchange: Exchange) -> DenyReason? {
        let hosts = head.headers["host"]
        if hosts.count > 1 { return .badRequest }
        if let host = hosts.first {
            guard let normalised = HostName.normalize(host) else { return .badRequest }
            exchange.host = normalised
        } else if head.version.minor >= 1 {
            // RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without Host.
            return .badRequest
        }
        let codings = head.headers["transfer-encoding"]
        if !codings.isEmpty, codings.count > 1 || codings[0].lowercased().trimmingWhitespace() != "chunked" {
            return .notImplemented
        }
        guard head.uri.utf8.first == UInt8(ascii: "/") else { return .badRequest }
        return nil
    }

    private func allow(
        _ exchange: Exchange,
        _ allowance: Allowance,
        configuration: ProxyConfiguration,
        peerIsTrusted: Bool
    ) {
        exchange.allowance = allowance
        exchange.identity = allowance.identity
        exchange.decision = "allow"
        exchange.routeName = allowance.route.name
        exchange.path = allowance.path
        if let length = exchange.head.headers.first(name: "content-length").flatMap(Int.init),
            length > configuration.limits.maxBodyBytes
        {
            self.closeAfterResponse = true
            self.refuse(exchange, Denial(reason: .bodyTooLarge, routeName: allowance.route.name))
            return
        }
        if exchange.head.headers.first(name: "expect")?.lowercased() == "100-continue" {
            // The gateway asks for the body itself; `Expect` is not forwarded.
            if self.isHTTP2Stream {
                self.context?.writeAndFlush(
                    Self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .continue))),
                    promise: nil
                )
            } else {
                self.context?.writeAndFlush(Self.wrapBytes(Self.continueResponse), promise: nil)
            }
        }
        exchange.peerIsTrusted = peerIsTrusted
        if let digest = allowance.contentDigest {
            exchange.digestVerifier = ContentDigestVerifier(digest)
            exchange.stage = .awaitingDigest
        } else {
            exchange.stage = .claimingNonce
        }
        self.advance(exchange)
    }

    /// Moves an allowed exchange on: the body checked against its digest (held until then),
    /// the nonce recorded (SPEC §9 check 9, after everything else passed), then forwarded.
    private func advance(_ exchange: Exchange) {
        guard self.exchange === exchange, let allowance = exchange.allowance else { return }
        switch exchange.stage {
        case .awaitingDigest:
            guard exchange.requestEnded else { return }
            guard exchange.digestVerifier?.finish() == true else {
                self.refuse(exchange, Denial(reason: .digestMismatch, routeName: allowance.route.name, path: allowance.path))
                return
            }
            exchange.stage = .claimingNonce
            self.advance(exchange)
        case .claimingNonce:
            guard let nonce = allowance.replayNonce else {
                exchange.stage = .forwarding
                self.advance(exchange)
                return
            }
            self.claim(nonce, for: exchange)
        case .forwarding:
            let configuration = self.loop.configuration
            guard let upstream = configuration.upstreams[allowance.route.upstream.name] else {
                self.failUpstream(exchange, reason: .upstreamUnavailable)
                return
            }
            exchange.stage = .connecting
            self.connect(exchange, upstream: upstream, peerIsTrusted: exchange.peerIsTrusted)
        case .deciding, .connecting:
            break
        }
    }

    /// Records the request's nonce or `jti` in the replay store, atomically: `fresh` goes on;
    /// anything else answers (401 `replayed_nonce`, 503 `replay_store_full` / `_unavailable`).
    private func claim(_ nonce: ReplayNonce, for exchange: Exchange) {
        guard let store = self.loop.configuration.nonceStore, let context = self.context else {
            self.refuse(exchange, Denial(reason: .replayStoreUnavailable, routeName: exchange.routeName, path: exchange.path))
            return
        }
        let key = NonceKey(scope: nonce.scope, value: nonce.value)
        let now = Clock.wallMilliseconds() / 1000
        switch store.claim(key, expiresAt: nonce.expiresAt, now: now, on: context.eventLoop) {
        case .decided(let outcome):
            self.claimed(outcome, for: exchange)
        case .pending(let future):
            future.assumeIsolated().whenComplete { [weak self] result in
                self?.claimed((try? result.get()) ?? .unavailable, for: exchange)
            }
        }
    }

    private func claimed(_ outcome: ReplayOutcome, for exchange: Exchange) {
        guard self.exchange === exchange else { return }
        let reason: DenyReason
        switch outcome {
        case .fresh:
            exchange.stage = .forwarding
            self.advance(exchange)
            return
        case .replayed: reason = .replayedNonce
        case .full: reason = .replayStoreFull
        case .unavailable: reason = .replayStoreUnavailable
        }
        self.refuse(exchange, Denial(reason: reason, routeName: exchange.routeName, path: exchange.path))
    }

    private func connect(_ exchange: Exchange, upstream: ResolvedUpstream, peerIsTrusted: Bool) {
        let target = self.loop.nextTarget(of: upstream)
        exchange.target = target
        exchange.attempts += 1
        if exchange.upstreamStartNanoseconds == nil { exchange.upstreamStartNanoseconds = Clock.monotonicNanoseconds() }
        self.loop.pool(for: target, of: upstream).acquire(connectTimeout: upstream.connectTimeout, tls: upstream.tls) { [weak self] result, reused in
            guard let self, self.exchange === exchange, !exchange.responseStarted else {
                if case .success(let connection) = result { connection.pool?.release(connection) }
                return
            }
            switch result {
            case .success(let connection):
                exchange.reusedConnection = reused
                self.send(exchange, over: connection, upstream: upstream, peerIsTrusted: peerIsTrusted)
            case .failure(let error):
                // Passive health: the target sits out its cool-down; the request (not yet sent)
                // goes to the next live target, each tried at most once. Logged once per
                // cool-down, not per request.
                if self.loop.markUnavailable(target) {
                    self.loop.logger.warning(
                        "upstream target unreachable; it cools down",
                        metadata: [
                            "upstream": "\(target.upstreamName)", "target": "\(target.label)",
                            "cool_down_s": "\(LoopContext.coolDown / 1_000_000_000)", "error": "\(error)",
                        ]
                    )
                }
                self.loop.metrics.recordUpstreamError(target.upstreamName, kind: "connect")
                if exchange.attempts < upstream.targets.count {
                    self.connect(exchange, upstream: upstream, peerIsTrusted: peerIsTrusted)
                } else {
                    self.failUpstream(exchange, reason: .upstreamUnavailable, counted: true)
                }
            }
        }
    }

    private func send(
        _ exchange: Exchange,
        over connection: UpstreamHandler,
        upstream: ResolvedUpstream,
        peerIsTrusted: Bool
    ) {
        exchange.upstream = connection
        connection.receiver = exchange
        exchange.responseTimeout = upstream.responseTimeout.nanoseconds
        exchange.upstreamDeadline = Clock.monotonicNanoseconds() + exchange.responseTimeout
        // An HTTP/2 request without `content-length` ends with its stream: whether a body follows
        // (so the upstream request is chunked) is known at its first DATA or END_STREAM.
        let undecided = exchange.isHTTP2 && !exchange.requestEnded && exchange.pendingBody.isEmpty
            && !exchange.head.headers.contains(name: "content-length")
        if !undecided { self.sendHead(exchange) }
        self.resumeReadsIfPossible()
    }

    /// Writes the upstream request head, then what of the body already arrived.
    private func sendHead(_ exchange: Exchange) {
        guard let connection = exchange.upstream, !exchange.upstreamHeadSent, let allowance = exchange.allowance else { return }
        exchange.upstreamHeadSent = true
        let forwarded = ForwardedRequest(
            peerAddress: self.peerAddress,
            peerIsTrusted: exchange.peerIsTrusted,
            isSecure: self.isSecure,
            requestID: exchange.requestID
        )
        let hasLength = exchange.head.headers.contains(name: "content-length")
        let isChunked = exchange.head.headers.contains(name: "transfer-encoding")
            || (exchange.isHTTP2 && !hasLength && (!exchange.pendingBody.isEmpty || !exchange.requestEnded))
        let head = forwarded.encodedHead(for: exchange.head, allowance: allowance, isChunked: isChunked, allocator: Self.allocator)
        connection.sendHead(head, method: exchange.head.method, isChunked: isChunked)
        for bytes in exchange.pendingBody { connection.sendBody(bytes) }
        exchange.pendingBody.removeAll()
        exchange.pendingBodyBytes = 0
        if exchange.requestEnded { connection.sendEnd(trailers: exchange.pendingTrailers) }
        connection.flush()
    }

    private func requestBody(_ exchange: Exchange, _ bytes: ByteBuffer) {
        exchange.bytesIn += Int64(bytes.readableBytes)
        if exchange.discardingBody { return }
        if exchange.bytesIn > Int64(self.loop.configuration.limits.maxBodyBytes) {
            self.bodyTooLarge(exchange)
            return
        }
        if exchange.digestVerifier != nil {
            bytes.withUnsafeReadableBytes { exchange.digestVerifier?.update($0) }
        }
        if let upstream = exchange.upstream, exchange.upstreamHeadSent {
            upstream.sendBody(bytes)
            exchange.needsUpstreamFlush = true
        } else if exchange.decision == "allow" {
            exchange.pendingBody.append(bytes)
            exchange.pendingBodyBytes += bytes.readableBytes
            if exchange.upstream != nil { self.sendHead(exchange) }
        }
    }

    private func requestEnd(_ exchange: Exchange, _ trailers: HTTPHeaders?) {
        exchange.requestEnded = true
        if let upstream = exchange.upstream, exchange.upstreamHeadSent {
            upstream.sendEnd(trailers: trailers)
            upstream.flush()
            exchange.needsUpstreamFlush = false
        } else {
            exchange.pendingTrailers = trailers
            if exchange.upstream != nil { self.sendHead(exchange) }
        }
        if exchange.responseEnded {
            self.finish(exchange)
        } else if exchange.stage == .awaitingDigest {
            self.advance(exchange)
        } else {
            // The next pipelined request may now be parsed into the queue.
            self.resumeReadsIfPossible()
        }
    }

    /// A chunked body crossed `max_body_bytes` while streaming (SPEC §9 "Bodies"): the upstream
    /// request is aborted; the client gets 413 if no response started, else the connection closes.
    private func bodyTooLarge(_ exchange: Exchange) {
        self.framing?.phase = .stopped
        self.closeAfterResponse = true
        exchange.abandonUpstream()
        exchange.decision = "deny"
        exchange.reason = DenyReason.bodyTooLarge.rawValue
        exchange.requestEnded = true
        if exchange.responseStarted {
            self.audit(exchange)
            self.exchange = nil
            self.context?.close(promise: nil)
        } else {
            self.refuse(exchange, Denial(reason: .bodyTooLarge, routeName: exchange.routeName))
        }
    }

    /// llhttp refused the body of the current request (a bad chunk, …).
    private func failCurrentBody(_ exchange: Exchange, _ failure: RequestHeadError) {
        self.closeAfterResponse = true
        exchange.abandonUpstream()
        exchange.requestEnded = true
        if exchange.responseStarted {
            self.audit(exchange)
            self.exchange = nil
            self.context?.close(promise: nil)
        } else {
            self.refuse(exchange, Denial(reason: failure.reason, routeName: exchange.routeName))
        }
    }

    /// Answers a request refused before it reached the policy (414, 431, 400, 501, 408).
    private func answer(_ failure: RequestHeadError) {
        self.closeAfterResponse = true
        self.framing?.phase = .stopped
        let line = failure.requestLine
        let head = HTTPRequestHead(
            version: .http1_1,
            method: HTTPMethod(rawValue: line?.method ?? "GET"),
            uri: line?.target ?? "/"
        )
        let exchange = Exchange(head: head, requestID: self.loop.requestIDs.next(), client: self.peerAddress, connection: self)
        exchange.isAudited = line != nil && failure.kind != .uriTooLong
        exchange.requestEnded = true
        self.exchange = exchange
        self.refuse(exchange, Denial(reason: failure.reason))
    }

    // MARK: Responses

    /// Writes a refusal (the JSON body of SPEC §3) for the exchange's request.
    private func refuse(_ exchange: Exchange, _ denial: Denial) {
        exchange.reason = denial.reason.rawValue
        exchange.status = denial.status
        if exchange.routeName == nil { exchange.routeName = denial.routeName }
        if let path = denial.path { exchange.path = path }
        if let identity = denial.identity { exchange.identity = identity }
        exchange.decision = "deny"
        exchange.abandonUpstream()
        if !exchange.requestEnded {
            // The rest of the request is read and dropped when it is small; else the connection
            // closes after the answer.
            let declared = exchange.head.headers.first(name: "content-length").flatMap(Int.init) ?? 0
            if !exchange.declaresBody || (!exchange.head.headers.contains(name: "transfer-encoding") && declared <= Self.discardLimit) {
                exchange.discardingBody = true
            } else {
                self.closeAfterResponse = true
            }
        }
        self.writeSimpleResponse(exchange, denial: denial)
    }

    /// A failure reaching the upstream (502/504): the policy allowed the request.
    private func failUpstream(_ exchange: Exchange, reason: DenyReason, counted: Bool = false) {
        if !counted, let target = exchange.target {
            self.loop.metrics.recordUpstreamError(target.upstreamName, kind: reason == .upstreamTimeout ? "timeout" : "reset")
        }
        exchange.upstreamEndNanoseconds = Clock.monotonicNanoseconds()
        exchange.upstreamDeadline = nil
        exchange.decision = "allow"
        exchange.reason = reason.rawValue
        exchange.status = reason.status
        exchange.abandonUpstream()
        if !exchange.requestEnded, exchange.declaresBody { self.closeAfterResponse = true }
        self.writeSimpleResponse(exchange, denial: Denial(reason: reason))
    }

    private func writeSimpleResponse(_ exchange: Exchange, denial: Denial) {
        guard let context = self.context else { return }
        let body = DenialBody.make(
            reason: denial.reason,
            message: denial.message,
            requestID: exchange.requestID,
            allocator: context.channel.allocator
        )
        let close = !exchange.isHTTP2 && (self.closeAfterResponse || self.loop.isDraining)
        func addFields<Sink: FieldSink>(to sink: inout Sink) {
            sink.add(name: "content-type", value: "application/json")
            sink.add(name: "content-length", value: String(body.readableBytes))
            sink.add(name: "cache-control", value: "no-store")
            sink.add(name: "x-request-id", value: exchange.requestID)
            for (name, value) in denial.headers { sink.add(name: name, value: value) }
            if close { sink.add(name: "connection", value: "close") }
        }
        exchange.responseStarted = true
        exchange.responseFraming = .contentLength
        let status = HTTPResponseStatus(statusCode: denial.status)
        if self.isHTTP2Stream {
            var headers = HTTPHeaders()
            headers.reserveCapacity(6 + denial.headers.count)
            addFields(to: &headers)
            context.write(Self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        } else {
            var writer = HeadWriter(allocator: context.channel.allocator)
            writer.writeStatusLine(status)
            addFields(to: &writer)
            context.write(Self.wrapBytes(writer.finish()), promise: nil)
        }
        if exchange.head.method != .HEAD {
            exchange.bytesOut = Int64(body.readableBytes)
            self.writeResponseBody(body, of: exchange, context: context)
        }
        self.endResponse(exchange)
    }

    /// Writes the end of the response and completes the exchange when its request is read too.
    private func endResponse(_ exchange: Exchange, trailers: HTTPHeaders? = nil) {
        guard let context = self.context else { return }
        exchange.responseEnded = true
        // The record is written when the response ends (SPEC §5), before its last bytes leave.
        self.audit(exchange)
        let end: NIOAny?
        if self.isHTTP2Stream {
            end = Self.wrapOutboundOut(.end(trailers))
        } else if exchange.responseFraming == .chunked {
            end = Self.wrapBytes(ChunkedFraming.lastChunk(trailers: trailers, allocator: context.channel.allocator))
        } else {
            end = nil
        }
        if self.closeAfterResponse || self.loop.isDraining {
            self.closeAfterResponse = true
            // Closed once the last byte is written (an empty write completes after the others).
            context.writeAndFlush(end ?? Self.wrapBytes(Self.allocator.buffer(capacity: 0))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
            self.finish(exchange)
            return
        }
        if let end {
            context.writeAndFlush(end, promise: nil)
        } else {
            context.flush()
        }
        if exchange.requestEnded { self.finish(exchange) }
    }

    /// The exchange is over on both sides: audit it and go on with the next request.
    private func finish(_ exchange: Exchange) {
        guard self.exchange === exchange else { return }
        exchange.upstreamDeadline = nil
        self.audit(exchange)
        self.exchange = nil
        if self.closeAfterResponse {
            self.framing?.phase = .stopped
            self.queue.removeAll()
            return
        }
        self.dispatchQueued()
        if self.exchange == nil, self.queue.isEmpty { self.armIdleDeadline() }
    }

    /// Writes the exchange's audit record and counts it in the metrics, once.
    private func audit(_ exchange: Exchange) {
        guard !exchange.isRecorded else { return }
        exchange.isRecorded = true
        let now = Clock.monotonicNanoseconds()
        let metrics = self.loop.metrics
        metrics.recordRequest(
            route: exchange.routeName,
            decision: exchange.decision,
            reason: exchange.reason,
            durationNanoseconds: now - exchange.startNanoseconds
        )
        if let target = exchange.target, let start = exchange.upstreamStartNanoseconds, exchange.reason == "ok" {
            metrics.recordUpstream(target.upstreamName, durationNanoseconds: (exchange.upstreamEndNanoseconds ?? now) - start)
        }
        guard exchange.isAudited else { return }
        if self.loop.configuration.auditSink.submit(exchange.auditRecord()) == .overloaded {
            self.loop.auditOverloaded()
        }
    }

    // MARK: Upstream events

    func upstream(_ exchange: Exchange, received part: HTTPClientResponsePart) {
        guard self.exchange === exchange, let context = self.context else { return }
        exchange.upstreamDeadline = Clock.monotonicNanoseconds() + exchange.responseTimeout
        switch part {
        case .head(let response):
            guard response.status != .switchingProtocols, !exchange.responseStarted else {
                self.failUpstream(exchange, reason: .upstreamUnavailable)
                return
            }
            exchange.status = Int(response.status.code)
            exchange.reason = "ok"
            exchange.responseStarted = true
            if !response.isKeepAlive { exchange.upstream?.isReusable = false }
            let forwarded = ForwardedResponse(
                requestID: exchange.requestID,
                requestMethod: exchange.head.method,
                clientVersion: exchange.head.version,
                closeConnection: self.closeAfterResponse || self.loop.isDraining
            )
            // HTTP/1.1 upstream response to an HTTP/2 client: no connection-specific fields.
            if self.isHTTP2Stream {
                let (head, framing) = forwarded.head(for: response)
                exchange.responseFraming = framing
                context.write(Self.wrapOutboundOut(.head(head)), promise: nil)
            } else {
                let (head, framing) = forwarded.encodedHead(for: response, allocator: context.channel.allocator)
                exchange.responseFraming = framing
                if framing == .untilClose { self.closeAfterResponse = true }
                context.write(Self.wrapBytes(head), promise: nil)
            }
        case .body(let bytes):
            exchange.bytesOut += Int64(bytes.readableBytes)
            if exchange.responseFraming != .none {
                self.writeResponseBody(bytes, of: exchange, context: context)
            }
        case .end(let trailers):
            exchange.upstreamEndNanoseconds = Clock.monotonicNanoseconds()
            exchange.upstreamDeadline = nil
            if let upstream = exchange.upstream {
                if exchange.requestEnded {
                    exchange.upstream = nil
                    upstream.pool?.release(upstream)
                } else {
                    // The upstream answered before the whole body was sent: that connection
                    // cannot carry another request, and the rest of the body is not read.
                    exchange.abandonUpstream()
                    self.closeAfterResponse = true
                }
            }
            self.endResponse(exchange, trailers: exchange.responseFraming == .chunked ? trailers : nil)
        }
    }

    func upstreamReadComplete(_ exchange: Exchange) {
        guard self.exchange === exchange else { return }
        self.context?.flush()
    }

    func upstreamClosed(_ exchange: Exchange) {
        guard self.exchange === exchange, let upstream = exchange.upstream else { return }
        exchange.upstream = nil
        exchange.upstreamHeadSent = false
        upstream.receiver = nil
        if exchange.responseStarted {
            // The response was cut: the client can only learn it from the connection closing.
            self.closeAfterResponse = true
            exchange.reason = DenyReason.upstreamUnavailable.rawValue
            exchange.upstreamEndNanoseconds = Clock.monotonicNanoseconds()
            self.audit(exchange)
            self.exchange = nil
            self.context?.close(promise: nil)
            return
        }
        let canRetry = exchange.reusedConnection && exchange.requestEnded && exchange.bytesIn == 0
        if canRetry, let upstreamRule = exchange.allowance?.route.upstream.name,
            let upstream = self.loop.configuration.upstreams[upstreamRule]
        {
            // A pooled connection closed by the upstream just as it was reused: the request
            // had no body, so it is sent again on a fresh connection (as nginx and Envoy do).
            exchange.attempts = 0
            self.connect(exchange, upstream: upstream, peerIsTrusted: self.loop.configuration.isTrustedProxy(self.peerBytes))
            return
        }
        self.failUpstream(exchange, reason: .upstreamUnavailable)
    }

    func upstreamBecameWritable(_ exchange: Exchange) {
        guard self.exchange === exchange else { return }
        self.resumeReadsIfPossible()
    }

    // MARK: Response bytes

    /// An HTTP/1.1 connection's responses leave as bytes (`HeadWriter`, `ChunkedFraming`); an
    /// HTTP/2 stream's go to its codec as `HTTPServerResponsePart`s.
    private static func wrapBytes(_ bytes: ByteBuffer) -> NIOAny {
        NIOAny(IOData.byteBuffer(bytes))
    }

    private static let allocator = ByteBufferAllocator()
    private static let continueResponse: ByteBuffer = {
        var buffer = ByteBufferAllocator().buffer(capacity: 25)
        buffer.writeStaticString("HTTP/1.1 100 Continue\r\n\r\n")
        return buffer
    }()

    /// Writes response body bytes, framed as the response head announced.
    private func writeResponseBody(_ bytes: ByteBuffer, of exchange: Exchange, context: ChannelHandlerContext) {
        if self.isHTTP2Stream {
            context.write(Self.wrapOutboundOut(.body(.byteBuffer(bytes))), promise: nil)
        } else if exchange.responseFraming == .chunked {
            ChunkedFraming.writeChunk(bytes, allocator: context.channel.allocator) {
                context.write(Self.wrapBytes($0), promise: nil)
            }
        } else {
            context.write(Self.wrapBytes(bytes), promise: nil)
        }
    }

    // MARK: Backpressure

    private var shouldHoldReads: Bool {
        if self.loop.isAuditOverloaded { return true }
        if self.queuedBytes > Self.bufferLimit || self.queue.count > 64 { return true }
        guard let exchange = self.exchange else { return false }
        if let upstream = exchange.upstream { return !upstream.isWritable }
        // A body held for its digest is read whole (it is bounded by `max_body_bytes`).
        return exchange.pendingBodyBytes > Self.bufferLimit && exchange.stage != .awaitingDigest
    }

    func resumeReadsIfPossible() {
        guard self.readHeld, !self.shouldHoldReads, let context = self.context else { return }
        self.readHeld = false
        context.read()
    }

    // MARK: Timers

    /// Checks this connection's deadlines; called by the loop's sweeper (a tick every 100 ms),
    /// so setting or moving a deadline costs a clock read, never a scheduled task.
    func checkDeadlines(now: Int64) {
        if let deadline = self.headDeadline, now >= deadline {
            self.headDeadline = nil
            self.headTimedOut()
        }
        if let deadline = self.idleDeadline, now >= deadline {
            self.idleDeadline = nil
            if self.exchange == nil, self.queue.isEmpty { self.context?.close(promise: nil) }
        }
        if let exchange = self.exchange, let deadline = exchange.upstreamDeadline, now >= deadline {
            exchange.upstreamDeadline = nil
            self.responseTimedOut(exchange)
        }
    }

    private func armIdleDeadline() {
        self.idleDeadline = Clock.monotonicNanoseconds() + self.loop.configuration.limits.idleTimeout.nanoseconds
    }

    /// `header_timeout` passed before the head was complete (408; a slowloris client cannot
    /// hold the connection by trickling bytes).
    private func headTimedOut() {
        self.framing?.phase = .stopped
        if self.exchange != nil || !self.queue.isEmpty {
            self.closeAfterResponse = true
            return
        }
        let line = self.framing?.requestLine
        self.answer(RequestHeadError(kind: .headerTimeout, requestLine: line))
    }

    /// The upstream stayed silent for `response_timeout`: 504, or a cut connection when the
    /// response had started.
    private func responseTimedOut(_ exchange: Exchange) {
        guard self.exchange === exchange else { return }
        if exchange.responseStarted {
            exchange.abandonUpstream()
            exchange.reason = DenyReason.upstreamTimeout.rawValue
            self.audit(exchange)
            self.exchange = nil
            self.context?.close(promise: nil)
        } else {
            self.failUpstream(exchange, reason: .upstreamTimeout)
        }
    }

    // MARK: Shutdown

    /// Shutdown began: close now if idle, else after the current response.
    func beginDrain() {
        self.closeAfterResponse = true
        if self.exchange == nil, self.queue.isEmpty { self.context?.close(promise: nil) }
    }

    /// `shutdown_grace` passed: a request still running is answered 503 `shutting_down` if no
    /// response started, else its connection is closed; it is audited with `shutting_down`.
    func abort() {
        guard let exchange = self.exchange else {
            self.context?.close(promise: nil)
            return
        }
        exchange.abandonUpstream()
        self.closeAfterResponse = true
        if exchange.responseStarted {
            exchange.reason = DenyReason.shuttingDown.rawValue
            self.audit(exchange)
            self.exchange = nil
            self.context?.close(promise: nil)
        } else {
            exchange.requestEnded = true
            exchange.reason = DenyReason.shuttingDown.rawValue
            exchange.status = DenyReason.shuttingDown.status
            self.writeSimpleResponse(exchange, denial: Denial(reason: .shuttingDown))
        }
    }
}

@available(*, unavailable)
extension DownstreamHandler: Sendable {}

extension RequestHeadError {
    /// The reason code this refusal answers with.
    var reason: DenyReason {
        switch self.kind {
        case .uriTooLong: return .uriTooLong
        case .headersTooLarge: return .headersTooLarge
        case .malformed: return .badRequest
        case .unsupportedTransferEncoding: return .notImplemented
        case .headerTimeout: return .headerTimeout
        }
    }
}

extension SocketAddress {
    /// The address bytes of an IP socket address (4 or 16), for `trusted_proxies` checks.
    var addressBytes: [UInt8]? {
        // Read from the raw sockaddr: sin_addr sits at offset 4 (4 bytes), sin6_addr at
        // offset 8 (16 bytes), on every platform NIO supports.
        let layout: (offset: Int, count: Int)
        switch self {
        case .v4: layout = (4, 4)
        case .v6: layout = (8, 16)
        case .unixDomainSocket: return nil
        }
        return self.withSockAddr { pointer, size in
            guard size >= layout.offset + layout.count else { return nil }
            let raw = UnsafeRawPointer(pointer) + layout.offset
            return Array(UnsafeRawBufferPointer(start: raw, count: layout.count))
        }
    }

    /// The bytes of an IP address written as text (an `X-Forwarded-For` entry), or nil.
    static func bytes(ofIP text: String) -> [UInt8]? {
        (try? SocketAddress(ipAddress: text, port: 0))?.addressBytes
    }
}
