import GatewayReplay
import GatewayCredentials
import GatewayPolicy
import GatewayRules
import NIOCore

/// One request and its response, from the decided head to the audited end, whatever protocol
/// carries them (an HTTP/1.1 connection runs one at a time; an HTTP/2 connection one per
/// stream).
///
/// A value in the swift-nio style: each `mutating` method takes one event and returns the
/// `ExchangeAction` the channel handler performs; the handler decides nothing. It owns the
/// order SPEC §9 gives the steps after the policy's verdict — the body held for its digest
/// (check 4), the nonce recorded (9), the rate limit (10), the upstream connection with its
/// retries ("Retries") — and the answers to every way an exchange can fail. The handler keeps
/// the I/O objects (the upstream connection, the rules snapshot) beside it.
struct ExchangeStateMachine {
    struct Limits: Equatable {
        /// `max_body_bytes` (SPEC §9 "Bodies").
        var maxBodyBytes: Int
        /// A refused request's body up to this size is read and dropped to keep the connection;
        /// a larger one closes it.
        var discardLimit: Int = 64 * 1024
    }

    /// What the policy (or the connection, for protocol failures) made of the request head.
    enum Verdict {
        case allow(Allowance)
        /// Boxed, as `Decision.deny` is: a `Denial` would make every verdict 200 bytes.
        indirect case refuse(Denial)
        /// A local endpoint answers once the whole body is read (up to `maxBodyBytes`); `path` is
        /// the normalised path it answers on (for the audit record).
        case local(maxBodyBytes: Int, path: String? = nil)
    }

    /// Where the exchange is on its way.
    enum Phase: Equatable {
        /// Waiting for `100 Continue` to be written, then going on to `next`.
        indirect case awaitingContinue(next: Phase)
        /// Waiting for the replay store to say whether the token was revoked (SPEC §9 "Token
        /// endpoint": only tokens the endpoint signs need the lookup).
        case checkingRevocation
        /// Allowed; the body is held whole until its signed digest is checked (SPEC §9 "Bodies").
        case holdingForDigest
        /// The body is read whole for a local endpoint.
        case collectingForLocal(limit: Int)
        /// The local endpoint is working on the request.
        case answeringLocally
        /// Waiting for the replay store.
        case claiming
        /// Waiting for the rate limiter.
        case limiting
        /// Waiting for an upstream connection.
        case connecting
        /// An upstream connection carries the request; the response may have begun.
        case forwarding
        /// The response is written (or cut, or the client left); only the rest of the request
        /// may still be read.
        case finished
    }

    let request: ExchangeRequest
    let limits: Limits
    // The state below is changed only by the machine's own methods (in this file and its
    // extensions); the handler reads it.
    var phase: Phase = .finished
    private(set) var allowance: Allowance?
    /// What the audit record reports (the handler adds the request's own facts).
    var record = ExchangeRecord()

    private var digest: ContentDigestVerifier?
    /// Body bytes received before they can be sent (held, connecting, collecting).
    var pending: [ByteBuffer] = []
    var pendingBytes = 0
    var pendingTrailers: TrailerFields?
    var requestEnded: Bool
    /// The rest of the body is read and dropped (the request was answered without it).
    var isDiscardingBody = false
    var responseStarted = false
    var responseEnded = false
    /// Whether the connection closes after the response (the body could not be dropped).
    var closesConnection = false
    var upstreamKeepAlive = true
    /// Upstream targets tried for this request, and how many the upstream has.
    var connectAttempts = 0
    var targetCount = 1
    var hasRetried = false
    /// The replay-store claims (check 9) still to make: the request's nonce or `jti`, then the
    /// DPoP proof's `jti`, one at a time; the first that is not fresh refuses the request.
    private var claimsMade = 0
    /// A refusal waiting for the revocation lookup that precedes it (`Denial.revocationCheck`).
    private var deferredDenial: Denial?

    init(request: ExchangeRequest, limits: Limits) {
        self.request = request
        self.limits = limits
        self.requestEnded = !request.hasBody
    }

    /// Whether both sides are done: the connection may go on with its next request.
    var isComplete: Bool { self.responseEnded && (self.requestEnded || self.closesConnection) }

    /// Whether the handler should stop reading the request body for now (it is held in
    /// memory while the exchange waits; a body held for its digest or a local endpoint is read
    /// whole, bounded by its limit).
    func holdsReads(bufferLimit: Int) -> Bool {
        switch self.phase {
        case .holdingForDigest, .collectingForLocal: return false
        default: return self.pendingBytes > bufferLimit
        }
    }

    /// Whether the request body is being read whole into memory (for its digest check, or for a
    /// local endpoint) rather than streamed: `pendingBytes` of it are held.
    var holdsWholeBody: Bool {
        switch self.phase {
        case .holdingForDigest, .collectingForLocal: return true
        default: return false
        }
    }

    // MARK: Start

    /// The head was decided. `targetCount` is the number of targets of the route's upstream
    /// (each is tried once when connections fail).
    mutating func start(_ verdict: Verdict, targetCount: Int = 1) -> ExchangeAction {
        self.targetCount = max(1, targetCount)
        switch verdict {
        case .refuse(let denial):
            if let key = denial.revocationCheck {
                // Check 5 before the check that refused (SPEC §9 "Order of checks"). Recorded
                // already, for a client that leaves meanwhile (499 with the policy's verdict).
                self.deferredDenial = denial
                self.record.refused(denial)
                self.phase = .checkingRevocation
                return .lookUpRevocation(key)
            }
            return self.refuse(denial)
        case .local(let limit, let path):
            self.record.verdict = .allow
            self.record.path = path
            return self.enter(.collectingForLocal(limit: limit))
        case .allow(let allowance):
            self.allowance = allowance
            self.record.verdict = .allow
            self.record.routeName = allowance.route.name
            self.record.path = allowance.path
            self.record.identity = allowance.identity
            if let length = self.request.declaredLength, length > self.limits.maxBodyBytes {
                // Refused before anything is forwarded (SPEC §9 "Bodies").
                return self.refuse(self.denial(.bodyTooLarge))
            }
            if let key = allowance.revocationCheck {
                self.phase = .checkingRevocation
                return .lookUpRevocation(key)
            }
            return self.afterStatusChecks()
        }
    }

    /// The replay store answered whether the token is revoked (SPEC §9 check 5): a revoked one
    /// is 401 `token_revoked`; without an answer, nothing is allowed on a guess (503). A refusal
    /// from a later check that waited for the lookup stands unless the token is revoked.
    mutating func revocationLookedUp(_ presence: ReplayPresence) -> ExchangeAction {
        guard self.phase == .checkingRevocation else { return .none }
        if let deferred = self.deferredDenial {
            self.deferredDenial = nil
            guard presence == .present else { return self.refuse(deferred) }  // refused either way
            var revoked = Denial(reason: .tokenRevoked, routeName: deferred.routeName, path: deferred.path)
            revoked.identity = deferred.identity
            return self.refuse(revoked)
        }
        switch presence {
        case .absent: return self.afterStatusChecks()
        case .present: return self.refuse(self.denial(.tokenRevoked))
        case .unavailable: return self.refuse(self.denial(.replayStoreUnavailable))
        }
    }

    /// The checks after the credential's status: the body's digest, then the nonce.
    private mutating func afterStatusChecks() -> ExchangeAction {
        if let expected = self.allowance?.contentDigest, self.request.hasBody {
            var digest = ContentDigestVerifier(expected)
            // Body bytes that arrived during the revocation lookup are held already.
            for piece in self.pending { piece.withUnsafeReadableBytes { digest.update($0) } }
            self.digest = digest
            return self.enter(.holdingForDigest)
        }
        return self.enter(.claiming)
    }

    /// Goes to `phase`, by way of `100 Continue` when the client waits for it and a body is
    /// wanted.
    private mutating func enter(_ phase: Phase) -> ExchangeAction {
        if self.request.expectsContinue, !self.requestEnded, self.pending.isEmpty {
            self.phase = .awaitingContinue(next: phase)
            return .writeContinue
        }
        return self.go(to: phase)
    }

    /// `100 Continue` was written.
    mutating func continueWritten() -> ExchangeAction {
        guard case .awaitingContinue(let next) = self.phase else { return .none }
        return self.go(to: next)
    }

    private mutating func go(to phase: Phase) -> ExchangeAction {
        switch phase {
        case .holdingForDigest:
            self.phase = .holdingForDigest
            return self.requestEnded ? self.checkDigest() : .none
        case .collectingForLocal:
            self.phase = phase
            return self.requestEnded ? self.answerLocally() : .none
        case .claiming:
            return self.claim()
        default:
            self.phase = phase
            return .none
        }
    }

    // MARK: Checks after the verdict

    private mutating func checkDigest() -> ExchangeAction {
        guard self.digest?.finish() == true else { return self.refuse(self.denial(.digestMismatch)) }
        return self.claim()
    }

    /// Check 9: the nonce or `jti`, then the DPoP proof's `jti` (SPEC §10), each recorded
    /// once everything else passed.
    private mutating func claim() -> ExchangeAction {
        while self.claimsMade < 2 {
            let nonce = self.claimsMade == 0 ? self.allowance?.replayNonce : self.allowance?.dpopNonce
            self.claimsMade += 1
            if let nonce {
                self.phase = .claiming
                return .claimNonce(nonce)
            }
        }
        return self.limit()
    }

    /// The replay store answered.
    mutating func nonceClaimed(_ outcome: ReplayOutcome) -> ExchangeAction {
        guard self.phase == .claiming else { return .none }
        switch outcome {
        case .fresh: return self.claim()
        case .replayed: return self.refuse(self.denial(.replayedNonce))
        case .full: return self.refuse(self.denial(.replayStoreFull))
        case .unavailable: return self.refuse(self.denial(.replayStoreUnavailable))
        }
    }

    /// Check 10: the route's rate limit.
    private mutating func limit() -> ExchangeAction {
        if let rule = self.allowance?.route.rule.rateLimit {
            self.phase = .limiting
            return .checkRateLimit(rule)
        }
        return self.connect()
    }

    /// The rate limiter answered: nil lets the request go on; a denial refuses it (429).
    mutating func rateLimitDecided(_ refusal: Denial?) -> ExchangeAction {
        guard self.phase == .limiting else { return .none }
        if var refusal {
            refusal.routeName = self.record.routeName
            refusal.path = self.record.path
            refusal.identity = self.record.identity
            return self.refuse(refusal)
        }
        return self.connect()
    }

    private mutating func connect() -> ExchangeAction {
        self.phase = .connecting
        return .connect(fresh: false)
    }

    // MARK: Local endpoints

    private mutating func answerLocally() -> ExchangeAction {
        self.phase = .answeringLocally
        var body = ByteBuffer()
        if self.pending.count == 1 {
            body = self.pending[0]
        } else {
            body.reserveCapacity(self.pendingBytes)
            for var piece in self.pending { body.writeBuffer(&piece) }
        }
        self.pending = []
        self.pendingBytes = 0
        return .answerLocally(body: body)
    }

    /// The local endpoint answered: `reason` is `ok` for a success, else its reason code.
    mutating func localAnswered(_ response: LocalResponse, reason: ExchangeReason) -> ExchangeAction {
        guard self.phase == .answeringLocally else { return .none }
        self.record.reason = reason
        self.record.status = response.status
        if case .refused = reason { self.record.verdict = .deny }
        return self.answer(response)
    }

    // MARK: Request body

    /// Body bytes of the request arrived.
    mutating func requestBody(_ bytes: ByteBuffer) -> ExchangeAction {
        guard !self.requestEnded else { return .none }
        self.record.bytesIn += Int64(bytes.readableBytes)
        if self.isDiscardingBody { return .none }
        var limit = self.limits.maxBodyBytes
        if case .collectingForLocal(let localLimit) = self.phase { limit = min(limit, localLimit) }
        if self.record.bytesIn > Int64(limit) { return self.bodyTooLarge() }
        switch self.phase {
        case .forwarding:
            return .forwardBody(bytes)
        case .holdingForDigest:
            bytes.withUnsafeReadableBytes { self.digest?.update($0) }
            self.hold(bytes)
        case .awaitingContinue, .collectingForLocal, .checkingRevocation, .claiming, .limiting, .connecting:
            if case .awaitingContinue(.holdingForDigest) = self.phase {
                bytes.withUnsafeReadableBytes { self.digest?.update($0) }
            }
            self.hold(bytes)
        case .answeringLocally, .finished:
            break
        }
        return .none
    }

    private mutating func hold(_ bytes: ByteBuffer) {
        self.pending.append(bytes)
        self.pendingBytes += bytes.readableBytes
    }

    /// Hands over the held body bytes.
    mutating func takePending() -> [ByteBuffer] {
        let pending = self.pending
        self.pending = []
        self.pendingBytes = 0
        return pending
    }

    mutating func takePendingTrailers() -> TrailerFields? {
        let trailers = self.pendingTrailers
        self.pendingTrailers = nil
        return trailers
    }

    mutating func countConnectAttempt() {
        self.connectAttempts += 1
    }

    /// Whether a target of the upstream has not been tried yet.
    var hasTargetLeft: Bool { self.connectAttempts < self.targetCount }

    /// The request ended (with its trailers, if any).
    mutating func requestEnd(_ trailers: TrailerFields?) -> ExchangeAction {
        guard !self.requestEnded else { return .none }
        self.requestEnded = true
        if self.isDiscardingBody { return .none }
        switch self.phase {
        case .forwarding:
            return .forwardEnd(trailers)
        case .holdingForDigest:
            self.pendingTrailers = trailers
            return self.checkDigest()
        case .collectingForLocal:
            return self.answerLocally()
        case .awaitingContinue, .checkingRevocation, .claiming, .limiting, .connecting:
            self.pendingTrailers = trailers
            return .none
        case .answeringLocally, .finished:
            return .none
        }
    }

    /// The body could not be read further (a malformed chunk): 400 if no response started,
    /// else the connection closes; it closes either way.
    mutating func requestMalformed() -> ExchangeAction {
        guard !self.requestEnded else { return .none }
        self.requestEnded = true
        self.isDiscardingBody = true
        self.closesConnection = true
        if self.responseEnded { return .none }
        guard !self.responseStarted else {
            self.record.reason = .refused(.badRequest)
            self.responseEnded = true
            self.phase = .finished
            return .cut
        }
        return self.refuse(self.denial(.badRequest))
    }

    /// The body crossed `max_body_bytes` while streaming (SPEC §9 "Bodies"): the upstream
    /// request is aborted; the client gets 413 if no response has started, else the connection
    /// closes.
    private mutating func bodyTooLarge() -> ExchangeAction {
        self.isDiscardingBody = true
        self.closesConnection = true
        let denial = self.denial(.bodyTooLarge)
        guard !self.responseStarted else {
            self.record.refused(denial)
            self.responseEnded = true
            self.phase = .finished
            return .cut
        }
        return self.refuse(denial)
    }

    // MARK: Answers

    /// A refusal for the current route and credential (a 401 carries its challenge).
    func denial(_ reason: DenyReason) -> Denial {
        var denial = Denial(reason: reason, routeName: self.record.routeName, path: self.record.path)
        denial.identity = self.record.identity
        return denial
    }

    /// Refuses the request (`deny`): drops any upstream connection and answers.
    mutating func refuse(_ denial: Denial) -> ExchangeAction {
        self.record.refused(denial)
        return self.answer(.denial(denial))
    }

    /// A failure after the policy allowed the request (502, 503, 504): still `allow`.
    mutating func failAfterAllow(_ reason: DenyReason) -> ExchangeAction {
        self.record.failedAfterAllow(reason)
        return self.answer(.denial(Denial(reason: reason, routeName: self.record.routeName, path: self.record.path)))
    }

    private mutating func answer(_ response: LocalResponse) -> ExchangeAction {
        self.phase = .finished
        self.responseStarted = true
        self.responseEnded = true
        _ = self.takePending()
        return .respond(response, then: self.disposeOfRest())
    }

    /// What becomes of the rest of the request once the response is out: read and dropped
    /// when small enough, else the connection closes.
    mutating func disposeOfRest() -> RequestDisposition {
        if self.closesConnection { return .close }
        guard !self.requestEnded else { return .complete }
        self.isDiscardingBody = true
        if self.request.expectsContinue, self.record.bytesIn == 0, self.request.body != .stream {
            // The client may never send a body it was not asked for: what it sends next could
            // be a body or a request, and reading it as either would desynchronise.
            self.closesConnection = true
            return .close
        }
        switch self.request.body {
        case .length(let length) where length - Int(self.record.bytesIn) <= self.limits.discardLimit:
            return .discardRest
        case .stream:
            return .discardRest
        default:
            self.closesConnection = true
            return .close
        }
    }
}
