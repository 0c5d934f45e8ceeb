import GatewayRules
import GatewayMetrics
import Logging
import GatewayAudit
import GatewayLimits
import GatewayPolicy
import GatewayReplay
import GatewayTokens
import NIOCore
import NIOPosix

/// The services an exchange asks of its event loop, the same for HTTP/1.1 and HTTP/2: the
/// replay store, an upstream connection, and the audit record with its metrics.
extension LoopContext {
    /// Records `nonce` in the snapshot's replay store (SPEC §9 check 9). `completion` runs on
    /// this loop: before this returns when the store decided at once (the memory store), else
    /// when its answer arrives; a failure is `.unavailable` — nothing is allowed on a guess.
    func claim(_ nonce: ReplayNonce, in configuration: ProxyConfiguration, _ completion: @escaping (ReplayOutcome) -> Void) {
        guard let store = configuration.nonceStore else {
            completion(.unavailable)
            return
        }
        let key = NonceKey(scope: nonce.scope, value: nonce.value)
        let now = Clock.wallMilliseconds() / 1000
        switch store.claim(key, expiresAt: nonce.expiresAt, now: now, on: self.eventLoop) {
        case .decided(let outcome):
            completion(outcome)
        case .pending(let future):
            future.hop(to: self.eventLoop).assumeIsolated().whenComplete { result in
                completion((try? result.get()) ?? .unavailable)
            }
        }
    }

    /// Asks the snapshot's replay store whether `key` (a revoked `jti`) is recorded.
    /// `completion` runs on this loop; a store that cannot answer is `.unavailable`.
    func lookUpRevocation(_ key: NonceKey, in configuration: ProxyConfiguration, _ completion: @escaping (ReplayPresence) -> Void) {
        guard let store = configuration.nonceStore else {
            completion(.unavailable)
            return
        }
        switch store.contains(key, now: Clock.wallMilliseconds() / 1000, on: self.eventLoop) {
        case .decided(let presence):
            completion(presence)
        case .pending(let future):
            future.hop(to: self.eventLoop).assumeIsolated().whenComplete { result in
                completion((try? result.get()) ?? .unavailable)
            }
        }
    }

    /// Answers a token endpoint request (SPEC §8). Signing and verifying run on the thread pool,
    /// not this loop (an RS256 signature costs a millisecond); a revocation is recorded in the
    /// snapshot's replay store before it is confirmed. `completion` runs on this loop, with nil
    /// when the thread pool is gone (the process is stopping).
    func answerToken(
        _ operation: TokenEndpoint.Operation,
        _ request: TokenEndpointRequest,
        client: String,
        in configuration: ProxyConfiguration,
        _ completion: @escaping (TokenEndpointResponse?) -> Void
    ) {
        guard let endpoint = configuration.tokenEndpoint else {
            completion(nil)
            return
        }
        guard let rule = configuration.rules.tokenEndpoint?.rateLimit, let limiter = configuration.rateLimiter else {
            self.answerToken(operation, request, endpoint: endpoint, in: configuration, completion)
            return
        }
        // Counted per client address before anything is verified: a client guessing secrets
        // is slowed down as much as one asking for tokens.
        let key = RateLimitKey.address(route: "token_endpoint", address: client)
        let answered = { (decision: RateLimitDecision) in
            guard decision.isAllowed else {
                self.metrics.recordRateLimited(route: "token_endpoint")
                completion(TokenEndpointResponse.rateLimited(decision.headerFields))
                return
            }
            self.answerToken(operation, request, endpoint: endpoint, in: configuration, completion)
        }
        switch limiter.acquire(key, limit: RateLimit(rule), on: self.eventLoop) {
        case .decided(let decision): answered(decision)
        case .pending(let future): future.hop(to: self.eventLoop).assumeIsolated().whenSuccess(answered)
        }
    }

    private func answerToken(
        _ operation: TokenEndpoint.Operation,
        _ request: TokenEndpointRequest,
        endpoint: TokenEndpoint,
        in configuration: ProxyConfiguration,
        _ completion: @escaping (TokenEndpointResponse?) -> Void
    ) {
        let now = Clock.wallMilliseconds() / 1000
        NIOThreadPool.singleton.runIfActive(eventLoop: self.eventLoop) {
            endpoint.answer(operation, to: request, now: now)
        }.assumeIsolated().whenComplete { result in
            guard case .success(let outcome) = result else {
                completion(nil)
                return
            }
            switch outcome {
            case .respond(let response):
                completion(response)
            case .revokeThenRespond(let revocation):
                guard let store = configuration.nonceStore else {
                    completion(revocation.response(after: .unavailable))
                    return
                }
                store.record(revocation.key, expiresAt: revocation.expiresAt, now: now, on: self.eventLoop) { outcome in
                    completion(revocation.response(after: outcome))
                }
            }
        }
    }

    /// Asks the snapshot's rate limiter (SPEC §9 check 10): one bucket per route and credential
    /// id, per client address on public routes. `completion` runs on this loop — at once for the
    /// memory limiter — with nil to go on, or the 429 refusal with its `Retry-After` and
    /// `RateLimit-*` fields.
    func limit(
        _ rule: RateLimitRule,
        allowance: Allowance,
        client: String,
        in configuration: ProxyConfiguration,
        _ completion: @escaping (Denial?) -> Void
    ) {
        guard let limiter = configuration.rateLimiter else {
            completion(nil)
            return
        }
        let route = allowance.route.name
        let key = allowance.identity.map { RateLimitKey.credential(route: route, credential: $0.credentialLabel) }
            ?? RateLimitKey.address(route: route, address: client)
        let answered = { (decision: RateLimitDecision) in
            guard !decision.isAllowed else { return completion(nil) }
            self.metrics.recordRateLimited(route: route)
            completion(Denial(reason: .rateLimited, headers: decision.headerFields))
        }
        switch limiter.acquire(key, limit: RateLimit(rule), on: self.eventLoop) {
        case .decided(let decision):
            answered(decision)
        case .pending(let future):
            future.hop(to: self.eventLoop).assumeIsolated().whenSuccess(answered)
        }
    }

    /// The next live target of the route's upstream in the snapshot, and its pool on this loop;
    /// nil when the upstream is gone or has no target.
    func selectUpstream(for allowance: Allowance, in configuration: ProxyConfiguration) -> UpstreamSelection? {
        guard let upstream = configuration.upstream(of: allowance.route), !upstream.targets.isEmpty else {
            return nil
        }
        let target = self.nextTarget(of: upstream)
        return UpstreamSelection(upstream: upstream, target: target, pool: self.pool(for: target, of: upstream))
    }

    /// Connects to the selected target (never a pooled connection: the caller took one first if
    /// it could). `completion` runs on this loop. A failed connect cools the target down (logged
    /// once per cool-down) and is counted.
    func connect(_ selection: UpstreamSelection, _ completion: @escaping (Result<UpstreamConnection, any Error>) -> Void) {
        let target = selection.target
        let upstream = selection.upstream
        selection.pool.acquire(fresh: true, connectTimeout: upstream.connectTimeout, tls: upstream.tls) { result in
            if case .failure(let error) = result {
                if self.markUnavailable(target) {
                    self.logger.warning(
                        "upstream target unreachable; it cools down",
                        metadata: [
                            "upstream": "\(target.upstreamName)", "target": "\(target.label)",
                            "cool_down_s": "\(LoopContext.coolDown / 1_000_000_000)", "error": "\(error)",
                        ]
                    )
                }
                self.metrics.recordUpstreamError(target.upstreamName, kind: "connect")
            }
            completion(result)
        }
    }

    /// How a DPoP request counts in `gateway_dpop_proofs_total`: refused for a DPoP reason, a
    /// verified proof (its key's thumbprint is on the identity) replayed, or accepted; nil for a
    /// request without DPoP.
    static func dpopResult(_ record: ExchangeRecord) -> String? {
        switch record.reason {
        case .refused(let reason) where reason.isDPoPChallenge: return reason.rawValue
        case .refused(.replayedNonce) where record.identity?.jkt != nil: return DenyReason.replayedNonce.rawValue
        default: return record.identity?.jkt == nil ? nil : "accepted"
        }
    }

    /// Counts a finished exchange in the metrics and writes its audit record (SPEC §5: when its
    /// response ends, in completion order), once.
    func record(_ io: ExchangeIO, _ record: ExchangeRecord) {
        guard !io.isRecorded else { return }
        io.isRecorded = true
        let now = Clock.monotonicNanoseconds()
        let reason = record.reason.auditValue
        self.metrics.recordRequest(
            route: record.routeName,
            decision: record.verdict.auditValue,
            reason: reason,
            durationNanoseconds: now - io.startNanoseconds
        )
        if let result = Self.dpopResult(record) { self.metrics.recordDPoPProof(result: result) }
        if let target = io.target, let start = io.upstreamStartNanoseconds, record.reason == .ok {
            self.metrics.recordUpstream(target.upstreamName, durationNanoseconds: (io.upstreamEndNanoseconds ?? now) - start)
        }
        guard io.isAudited else { return }
        let sink = io.configuration.auditSink
        // A sink at the null device counts the record without it: nothing to build.
        guard !sink.acceptUnbuilt() else { return }
        if sink.submit(io.auditRecord(record, now: now)) == .overloaded {
            self.auditOverloaded()
        }
    }
}

extension TokenEndpointResponse {
    /// 429 `rate_limited` in the endpoint's JSON error shape (RFC 6749 §5.2), with `Retry-After`
    /// and `RateLimit-*`.
    static func rateLimited(_ fields: [(name: String, value: String)]) -> TokenEndpointResponse {
        let body = #"{"error":"rate_limited","error_description":"Too many token requests; retry later."}"#
        let headers = [("Content-Type", "application/json"), ("Cache-Control", "no-store")] + fields.map { ($0.name, $0.value) }
        return TokenEndpointResponse(status: 429, headers: headers, body: Array(body.utf8), audit: TokenAudit(reason: .rateLimited, identity: nil))
    }
}

/// Where an exchange goes upstream: the target chosen (round robin, passive health) and its
/// pool on the exchange's event loop.
struct UpstreamSelection {
    var upstream: ResolvedUpstream
    var target: ResolvedUpstream.Target
    var pool: UpstreamPool
}
