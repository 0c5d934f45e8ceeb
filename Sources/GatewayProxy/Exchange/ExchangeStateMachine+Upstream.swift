import GatewayPolicy
import GatewayTokens
import NIOCore

/// The upstream side of an exchange: connecting (with passive health and SPEC §9 "Retries"),
/// the response streaming back, and the ways it fails or is cut short.
extension ExchangeStateMachine {
    /// An upstream connection is ready: the request head goes, with what of the body was held.
    mutating func upstreamConnected() -> ExchangeAction {
        guard self.phase == .connecting else { return .none }
        self.phase = .forwarding
        let body = self.takePending()
        let end = self.requestEnded && !self.isDiscardingBody ? RequestEnd(trailers: self.takePendingTrailers()) : nil
        return .sendRequest(body: body, end: end)
    }

    /// Connecting to a target failed before anything was written: the next target is tried,
    /// each at most once, then 502.
    mutating func upstreamConnectFailed() -> ExchangeAction {
        guard self.phase == .connecting else { return .none }
        self.countConnectAttempt()
        if self.hasTargetLeft { return .connect(fresh: false) }
        return self.failAfterAllow(.upstreamUnavailable)
    }

    /// The upstream's response head arrived (interim 1xx responses are not reported).
    mutating func upstreamResponseHead(status: Int, keepAlive: Bool) -> ExchangeAction {
        guard self.phase == .forwarding, !self.responseStarted else { return .none }
        self.responseStarted = true
        self.upstreamKeepAlive = keepAlive
        self.record.status = status
        self.record.reason = .ok
        return .writeResponseHead
    }

    mutating func upstreamResponseBody(_ bytes: ByteBuffer) -> ExchangeAction {
        guard self.phase == .forwarding, self.responseStarted else { return .none }
        self.record.bytesOut += Int64(bytes.readableBytes)
        return .writeResponseBody(bytes)
    }

    /// The upstream's response ended. An upstream that answered before the whole request was
    /// sent cannot carry another request; the rest of the request is dropped or the connection
    /// closes.
    mutating func upstreamResponseEnd(_ trailers: TrailerFields?) -> ExchangeAction {
        guard self.phase == .forwarding, self.responseStarted else { return .none }
        self.phase = .finished
        self.responseEnded = true
        let wholeRequestSent = self.requestEnded && !self.isDiscardingBody
        let upstream: UpstreamDisposition = wholeRequestSent && self.upstreamKeepAlive ? .release : .close
        return .endResponse(trailers, upstream: upstream, then: self.disposeOfRest())
    }

    /// The upstream connection closed (or failed) while it carried the request.
    ///
    /// SPEC §9 "Retries": before any byte of the response, the request is sent once more on a
    /// fresh connection — the head was written, so only when its method is idempotent (RFC 9110
    /// §9.2.2) and no body byte had to be sent; otherwise 502. After the response began, the
    /// client learns it only from the connection closing — unless `responseHeld`: the handler
    /// still holds all of the response it was given (a head kept to leave with its body), so
    /// nothing of it has reached the client, which then gets the 502 instead of a connection
    /// closed without a word, and the audit record says 502 rather than a status never sent.
    /// The request is not sent again then: bytes of a response arrived.
    mutating func upstreamClosed(responseHeld: Bool = false) -> ExchangeAction {
        guard self.phase == .forwarding else { return .none }
        if self.responseStarted {
            guard responseHeld else {
                self.record.reason = .refused(.upstreamUnavailable)
                return self.cut()
            }
            self.record.bytesOut = 0
            return self.failAfterAllow(.upstreamUnavailable)
        }
        let canRetry = !self.hasRetried && self.request.isIdempotent && self.record.bytesIn == 0 && self.requestEnded
        if canRetry {
            self.hasRetried = true
            self.phase = .connecting
            return .connect(fresh: true)
        }
        return self.failAfterAllow(.upstreamUnavailable)
    }

    /// The upstream said nothing for `response_timeout`: 504, or a cut when the response began.
    mutating func upstreamTimedOut() -> ExchangeAction {
        guard self.phase == .forwarding || self.phase == .connecting else { return .none }
        guard !self.responseStarted else {
            self.record.reason = .refused(.upstreamTimeout)
            return self.cut()
        }
        return self.failAfterAllow(.upstreamTimeout)
    }

    // MARK: The client side ending early

    /// The client connection (or stream) closed. `draining`: the gateway closed it at the end
    /// of `shutdown_grace`.
    mutating func clientClosed(draining: Bool) -> ExchangeAction {
        guard !self.responseEnded else { return .none }
        self.responseEnded = true
        self.requestEnded = true
        self.phase = .finished
        if draining, self.record.verdict == .allow {
            self.record.reason = .refused(.shuttingDown)
            if !self.responseStarted { self.record.status = DenyReason.shuttingDown.status }
        } else if !self.responseStarted {
            // SPEC §9 "Abandoned requests": nginx's 499.
            self.record.status = 499
            if self.record.verdict == .allow { self.record.reason = .clientClosed }
        }
        return .abandon
    }

    /// `shutdown_grace` passed: 503 `shutting_down` if no response started, else the
    /// connection is closed; audited `shutting_down` either way.
    mutating func abort() -> ExchangeAction {
        guard !self.responseEnded else { return .none }
        self.closesConnection = true
        guard !self.responseStarted else {
            self.record.reason = .refused(.shuttingDown)
            return self.cut()
        }
        let verdict = self.record.verdict
        self.record.refused(Denial(reason: .shuttingDown))
        self.record.verdict = verdict
        return self.answerShuttingDown()
    }

    private mutating func answerShuttingDown() -> ExchangeAction {
        self.isDiscardingBody = !self.requestEnded
        self.phase = .finished
        self.responseStarted = true
        self.responseEnded = true
        _ = self.takePending()
        return .respond(.denial(Denial(reason: .shuttingDown)), then: .close)
    }

    // MARK: Helpers

    private mutating func cut() -> ExchangeAction {
        self.phase = .finished
        self.responseEnded = true
        self.closesConnection = true
        self.isDiscardingBody = !self.requestEnded
        return .cut
    }
}

extension ExchangeStateMachine {
    /// The token endpoint answered (SPEC §8): its audit says who authenticated and why it refused,
    /// if it did; nil means it could not answer (the process is stopping).
    mutating func tokenAnswered(_ response: TokenEndpointResponse?) -> ExchangeAction {
        guard let response else {
            return self.localAnswered(.denial(Denial(reason: .shuttingDown)), reason: .refused(.shuttingDown))
        }
        self.record.identity = response.audit.identity
        let reason = response.audit.reason.map(ExchangeReason.refused) ?? .ok
        return self.localAnswered(
            .answer(status: response.status, headers: response.headers, body: ByteBuffer(bytes: response.body)),
            reason: reason
        )
    }
}
