import Crypto
import GatewayCredentials
import GatewayPolicy
import GatewayReplay
import GatewayRules
import NIOCore
import Testing

@testable import GatewayProxy

/// The exchange state machine driven with plain values: every path from a decided head to an
/// audited end, without sockets.
struct ExchangeStateMachineTests {
    typealias F = ExchangeFixtures

    private static let get = ExchangeRequest(body: .none, isHEAD: false, isIdempotent: true)
    private static let postEmpty = ExchangeRequest(body: .none, isIdempotent: false)

    @Test func anAllowedRequestIsForwardedAndItsResponseRelayed() {
        var machine = F.machine(Self.get)
        #expect(machine.start(.allow(F.allowance())).name == "connect")
        guard case .sendRequest(let body, let end) = machine.upstreamConnected() else {
            Issue.record("no request sent")
            return
        }
        #expect(body.isEmpty)
        #expect(end != nil)
        #expect(machine.upstreamResponseHead(status: 200, keepAlive: true).name == "writeResponseHead")
        #expect(machine.upstreamResponseBody(F.bytes("hello")).name == "writeResponseBody")
        guard case .endResponse(_, let upstream, let then) = machine.upstreamResponseEnd(nil) else {
            Issue.record("the response did not end")
            return
        }
        #expect(upstream == .release)
        #expect(then == .complete)
        #expect(machine.isComplete)
        #expect(machine.record.verdict == .allow)
        #expect(machine.record.reason == .ok)
        #expect(machine.record.status == 200)
        #expect(machine.record.bytesOut == 5)
        #expect(machine.record.routeName == "orders")
        #expect(machine.record.identity == F.identity)
    }

    @Test func anUpstreamThatClosesAfterItsResponseIsNotPooled() {
        var machine = F.machine(Self.get)
        _ = machine.start(.allow(F.allowance()))
        _ = machine.upstreamConnected()
        _ = machine.upstreamResponseHead(status: 204, keepAlive: false)
        guard case .endResponse(_, let upstream, _) = machine.upstreamResponseEnd(nil) else {
            Issue.record("the response did not end")
            return
        }
        #expect(upstream == .close)
    }

    @Test func aRefusalIsAnsweredAndTheConnectionKeptWhenNoBodyFollows() {
        var machine = F.machine(Self.get)
        let action = machine.start(.refuse(Denial(reason: .noRoute, path: "/x")))
        #expect(action.refusal?.reason == .noRoute)
        #expect(action.refusal?.then == .complete)
        #expect(machine.isComplete)
        #expect(machine.record.verdict == .deny)
        #expect(machine.record.reason == .refused(.noRoute))
        #expect(machine.record.status == 404)
    }

    /// SPEC §9 "Order of checks": a refusal from a check after 5 waits for the revocation
    /// lookup; a revoked token answers `token_revoked`, else the refusal stands (also when the
    /// store cannot answer: the request is refused either way).
    @Test(arguments: [(ReplayPresence.present, DenyReason.tokenRevoked), (.absent, .insufficientScope), (.unavailable, .insufficientScope)])
    func aLaterRefusalWaitsForTheRevocationLookup(presence: ReplayPresence, answer: DenyReason) {
        var machine = F.machine(Self.get)
        var denial = Denial(reason: .insufficientScope, routeName: "orders", path: "/orders/1")
        denial.identity = F.identity
        denial.revocationCheck = NonceKey(scope: "revoked:k1", value: "j1")
        guard case .lookUpRevocation(let key) = machine.start(.refuse(denial)) else {
            Issue.record("answered before the revocation lookup")
            return
        }
        #expect(key == NonceKey(scope: "revoked:k1", value: "j1"))
        #expect(!machine.isComplete)
        let action = machine.revocationLookedUp(presence)
        #expect(action.refusal?.reason == answer)
        #expect(machine.isComplete)
        #expect(machine.record.reason == .refused(answer))
        #expect(machine.record.routeName == "orders")
        #expect(machine.record.identity == F.identity)
    }

    @Test func aRefusedSmallBodyIsReadAndDropped() {
        var machine = F.machine(ExchangeRequest(body: .length(50)))
        #expect(machine.start(.refuse(Denial(reason: .missingCredential))).refusal?.then == .discardRest)
        #expect(!machine.isComplete)
        #expect(machine.requestBody(F.bytes(String(repeating: "a", count: 50))).name == "none")
        #expect(machine.requestEnd(nil).name == "none")
        #expect(machine.isComplete)
        #expect(!machine.closesConnection)
        #expect(machine.record.bytesIn == 50)
    }

    @Test func aRefusedLargeOrChunkedBodyClosesTheConnection() {
        var large = F.machine(ExchangeRequest(body: .length(500)))
        #expect(large.start(.refuse(Denial(reason: .missingCredential))).refusal?.then == .close)
        #expect(large.isComplete)
        var chunked = F.machine(ExchangeRequest(body: .chunked))
        #expect(chunked.start(.refuse(Denial(reason: .missingCredential))).refusal?.then == .close)
        var waiting = F.machine(ExchangeRequest(body: .length(10), expectsContinue: true))
        #expect(waiting.start(.refuse(Denial(reason: .missingCredential))).refusal?.then == .close)
    }

    @Test func aDeclaredLengthOverTheLimitIsRefusedBeforeAnythingIsForwarded() {
        var machine = F.machine(ExchangeRequest(body: .length(5000)))
        let action = machine.start(.allow(F.allowance()))
        #expect(action.refusal?.reason == .bodyTooLarge)
        #expect(action.refusal?.then == .close)
        #expect(machine.record.verdict == .deny)
        #expect(machine.record.routeName == "orders")
    }

    @Test func aStreamingBodyOverTheLimitIsAnswered413AndTheUpstreamRequestAborted() {
        var machine = F.machine(ExchangeRequest(body: .chunked))
        _ = machine.start(.allow(F.allowance()))
        _ = machine.upstreamConnected()
        #expect(machine.requestBody(F.bytes(String(repeating: "a", count: 900))).name == "forwardBody")
        let action = machine.requestBody(F.bytes(String(repeating: "a", count: 200)))
        #expect(action.refusal?.reason == .bodyTooLarge)
        #expect(action.refusal?.then == .close)
        #expect(machine.record.reason == .refused(.bodyTooLarge))
        #expect(machine.record.verdict == .deny)
    }

    @Test func aStreamingBodyOverTheLimitAfterTheResponseBeganCutsTheConnection() {
        var machine = F.machine(ExchangeRequest(body: .chunked))
        _ = machine.start(.allow(F.allowance()))
        _ = machine.upstreamConnected()
        _ = machine.upstreamResponseHead(status: 200, keepAlive: true)
        #expect(machine.requestBody(F.bytes(String(repeating: "a", count: 1001))).name == "cut")
        #expect(machine.record.reason == .refused(.bodyTooLarge))
        #expect(machine.isComplete)
    }

    @Test func aSignedBodyIsHeldUntilItsDigestIsChecked() throws {
        let body = "{\"a\":1}"
        let digest = ContentDigest(sha256: Array(SHA256Digest.of(body)))
        var machine = F.machine(ExchangeRequest(body: .length(body.utf8.count)))
        #expect(machine.start(.allow(F.allowance(digest: digest))).name == "none")
        #expect(machine.requestBody(F.bytes(body)).name == "none")
        #expect(machine.requestEnd(nil).name == "connect")
        guard case .sendRequest(let held, let end) = machine.upstreamConnected() else {
            Issue.record("no request sent")
            return
        }
        #expect(held.map { String(buffer: $0) } == [body])
        #expect(end != nil)
    }

    @Test func aBodyThatDoesNotMatchItsDigestIsRefusedWithAChallenge() {
        let digest = ContentDigest(sha256: Array(SHA256Digest.of("expected")))
        var machine = F.machine(ExchangeRequest(body: .length(5)))
        _ = machine.start(.allow(F.allowance(digest: digest)))
        _ = machine.requestBody(F.bytes("other"))
        guard case .respond(.denial(let denial), let then) = machine.requestEnd(nil) else {
            Issue.record("not refused")
            return
        }
        #expect(denial.reason == .digestMismatch)
        #expect(denial.headers.contains { $0.0 == "WWW-Authenticate" && $0.1.contains("invalid_token") })
        #expect(then == .complete)
        #expect(machine.record.identity == F.identity)
    }

    @Test(arguments: [
        (ReplayOutcome.replayed, DenyReason.replayedNonce),
        (.full, .replayStoreFull),
        (.unavailable, .replayStoreUnavailable),
    ])
    func aNonceTheStoreRefusesRefusesTheRequest(outcome: ReplayOutcome, reason: DenyReason) {
        let nonce = ReplayNonce(scope: "jwt:k1", value: "j1", expiresAt: 100)
        var machine = F.machine(Self.get)
        guard case .claimNonce(let claimed) = machine.start(.allow(F.allowance(replayNonce: nonce))) else {
            Issue.record("no claim")
            return
        }
        #expect(claimed == nonce)
        let action = machine.nonceClaimed(outcome)
        #expect(action.refusal?.reason == reason)
        #expect(machine.record.verdict == .deny)
        if reason.status == 401, case .respond(.denial(let denial), _) = action {
            #expect(denial.headers.contains { $0.0 == "WWW-Authenticate" })
        }
    }

    @Test func aFreshNonceGoesOnToTheRateLimitAndTheUpstream() {
        let nonce = ReplayNonce(scope: "jwt:k1", value: "j1", expiresAt: 100)
        let limit = RateLimitRule(count: 10, period: .seconds(1))
        var machine = F.machine(Self.get)
        _ = machine.start(.allow(F.allowance(replayNonce: nonce, rateLimit: limit)))
        #expect(machine.nonceClaimed(.fresh).name == "checkRateLimit")
        #expect(machine.rateLimitDecided(nil).name == "connect")
    }

    @Test func aRateLimitedRequestIsRefusedWithTheRoute() {
        var machine = F.machine(Self.get)
        _ = machine.start(.allow(F.allowance(rateLimit: RateLimitRule(count: 1, period: .seconds(1)))))
        let refusal = Denial(reason: .rateLimited, headers: [("Retry-After", "1")])
        #expect(machine.rateLimitDecided(refusal).refusal?.reason == .rateLimited)
        #expect(machine.record.routeName == "orders")
        #expect(machine.record.status == 429)
    }

    @Test func eachTargetIsTriedOnceThen502() {
        var machine = F.machine(Self.get)
        _ = machine.start(.allow(F.allowance()), targetCount: 2)
        #expect(machine.upstreamConnectFailed().name == "connect")
        let action = machine.upstreamConnectFailed()
        #expect(action.refusal?.reason == .upstreamUnavailable)
        #expect(machine.record.verdict == .allow)
        #expect(machine.record.status == 502)
    }

    @Test func anIdempotentRequestIsSentOnceMoreOnAFreshConnection() {
        var machine = F.machine(Self.get)
        _ = machine.start(.allow(F.allowance()))
        _ = machine.upstreamConnected()
        #expect(machine.upstreamClosed().name == "connect(fresh)")
        _ = machine.upstreamConnected()
        #expect(machine.upstreamClosed().refusal?.reason == .upstreamUnavailable)
    }

    @Test func aPostIsNeverSentASecondTime() {
        var machine = F.machine(Self.postEmpty)
        _ = machine.start(.allow(F.allowance()))
        _ = machine.upstreamConnected()
        #expect(machine.upstreamClosed().refusal?.reason == .upstreamUnavailable)
    }

    @Test func anIdempotentRequestWhoseBodyWasSentIsNotRetried() {
        var machine = F.machine(ExchangeRequest(body: .length(3), isIdempotent: true))
        _ = machine.start(.allow(F.allowance()))
        _ = machine.upstreamConnected()
        _ = machine.requestBody(F.bytes("abc"))
        _ = machine.requestEnd(nil)
        #expect(machine.upstreamClosed().refusal?.reason == .upstreamUnavailable)
    }

    @Test func anUpstreamThatClosesMidResponseCutsTheClient() {
        var machine = F.machine(Self.get)
        _ = machine.start(.allow(F.allowance()))
        _ = machine.upstreamConnected()
        _ = machine.upstreamResponseHead(status: 200, keepAlive: true)
        #expect(machine.upstreamClosed().name == "cut")
        #expect(machine.record.reason == .refused(.upstreamUnavailable))
        #expect(machine.record.status == 200)
        #expect(machine.isComplete)
        #expect(machine.closesConnection)
    }

    @Test func anUpstreamThatClosesWhileItsResponseIsStillHeldIs502() {
        var machine = F.machine(Self.get)
        _ = machine.start(.allow(F.allowance()))
        _ = machine.upstreamConnected()
        _ = machine.upstreamResponseHead(status: 200, keepAlive: true)
        _ = machine.upstreamResponseBody(F.bytes("abc"))
        // Not sent again (a response had begun), and nothing of it is counted as sent.
        let action = machine.upstreamClosed(responseHeld: true)
        #expect(action.refusal?.reason == .upstreamUnavailable)
        #expect(machine.record.reason == .refused(.upstreamUnavailable))
        #expect(machine.record.verdict == .allow)
        #expect(machine.record.status == 502)
        #expect(machine.record.bytesOut == 0)
        #expect(machine.isComplete)
    }

    @Test func aSilentUpstreamIs504OrACut() {
        var before = F.machine(Self.get)
        _ = before.start(.allow(F.allowance()))
        _ = before.upstreamConnected()
        #expect(before.upstreamTimedOut().refusal?.reason == .upstreamTimeout)
        #expect(before.record.verdict == .allow)
        var after = F.machine(Self.get)
        _ = after.start(.allow(F.allowance()))
        _ = after.upstreamConnected()
        _ = after.upstreamResponseHead(status: 200, keepAlive: true)
        #expect(after.upstreamTimedOut().name == "cut")
        #expect(after.record.reason == .refused(.upstreamTimeout))
    }

    @Test func bodyBytesArrivingWhileConnectingGoWithTheHead() {
        var machine = F.machine(ExchangeRequest(body: .length(6)))
        _ = machine.start(.allow(F.allowance()))
        #expect(machine.requestBody(F.bytes("abc")).name == "none")
        #expect(machine.requestBody(F.bytes("def")).name == "none")
        #expect(machine.pendingBytes == 6)
        #expect(machine.requestEnd(nil).name == "none")
        guard case .sendRequest(let body, let end) = machine.upstreamConnected() else {
            Issue.record("no request sent")
            return
        }
        #expect(body.map { String(buffer: $0) } == ["abc", "def"])
        #expect(end != nil)
        #expect(machine.pendingBytes == 0)
    }

    @Test func trailersArrivingWhileConnectingGoWithTheEnd() {
        var machine = F.machine(ExchangeRequest(body: .chunked))
        _ = machine.start(.allow(F.allowance()))
        _ = machine.requestBody(F.bytes("abc"))
        let trailers = TrailerFields([(name: "x-checksum", value: "1")])
        _ = machine.requestEnd(trailers)
        guard case .sendRequest(_, let end) = machine.upstreamConnected() else {
            Issue.record("no request sent")
            return
        }
        #expect(end?.trailers == trailers)
    }

    @Test func anUpstreamThatAnswersBeforeTheWholeBodyIsNotReused() {
        var machine = F.machine(ExchangeRequest(body: .length(50)))
        _ = machine.start(.allow(F.allowance()))
        _ = machine.upstreamConnected()
        _ = machine.requestBody(F.bytes("abc"))
        _ = machine.upstreamResponseHead(status: 400, keepAlive: true)
        guard case .endResponse(_, let upstream, let then) = machine.upstreamResponseEnd(nil) else {
            Issue.record("the response did not end")
            return
        }
        #expect(upstream == .close)
        #expect(then == .discardRest)
        #expect(!machine.isComplete)
        #expect(machine.requestBody(F.bytes(String(repeating: "a", count: 47))).name == "none")
        #expect(machine.requestEnd(nil).name == "none")
        #expect(machine.isComplete)
    }

    @Test func aClientThatLeavesBeforeTheResponseIsAudited499() {
        var machine = F.machine(Self.get)
        _ = machine.start(.allow(F.allowance()))
        _ = machine.upstreamConnected()
        #expect(machine.clientClosed(draining: false).name == "abandon")
        #expect(machine.record.status == 499)
        #expect(machine.record.reason == .clientClosed)
        #expect(machine.record.verdict == .allow)
        #expect(machine.clientClosed(draining: false).name == "none")
    }

    @Test func aClientThatLeavesAfterTheResponseLeavesNothingToDo() {
        var machine = F.machine(Self.get)
        _ = machine.start(.refuse(Denial(reason: .noRoute)))
        #expect(machine.clientClosed(draining: false).name == "none")
        #expect(machine.record.status == 404)
    }

    @Test func shutdownGraceAbortsWith503OrACut() {
        var waiting = F.machine(Self.get)
        _ = waiting.start(.allow(F.allowance()))
        _ = waiting.upstreamConnected()
        let action = waiting.abort()
        #expect(action.refusal?.reason == .shuttingDown)
        #expect(action.refusal?.then == .close)
        #expect(waiting.record.reason == .refused(.shuttingDown))
        #expect(waiting.record.verdict == .allow)
        var streaming = F.machine(Self.get)
        _ = streaming.start(.allow(F.allowance()))
        _ = streaming.upstreamConnected()
        _ = streaming.upstreamResponseHead(status: 200, keepAlive: true)
        #expect(streaming.abort().name == "cut")
        #expect(streaming.record.reason == .refused(.shuttingDown))
    }

    @Test func expectContinueIsAnsweredBeforeTheBodyIsAwaited() {
        var machine = F.machine(ExchangeRequest(body: .length(3), expectsContinue: true))
        #expect(machine.start(.allow(F.allowance())).name == "writeContinue")
        #expect(machine.continueWritten().name == "connect")
    }

    @Test func aLocalEndpointGetsTheWholeBody() {
        var machine = F.machine(ExchangeRequest(body: .length(6)))
        #expect(machine.start(.local(maxBodyBytes: 100)).name == "none")
        _ = machine.requestBody(F.bytes("a=1"))
        _ = machine.requestBody(F.bytes("&b=2"))
        guard case .answerLocally(let body) = machine.requestEnd(nil) else {
            Issue.record("not answered locally")
            return
        }
        #expect(String(buffer: body) == "a=1&b=2")
        let answer = LocalResponse.answer(status: 200, headers: [], body: F.bytes("{}"))
        #expect(machine.localAnswered(answer, reason: .ok).name == "respond")
        #expect(machine.record.reason == .ok)
        #expect(machine.record.status == 200)
        #expect(machine.isComplete)
    }

    @Test func aLocalEndpointBodyOverItsLimitIs413() {
        var machine = F.machine(ExchangeRequest(body: .chunked))
        _ = machine.start(.local(maxBodyBytes: 4))
        #expect(machine.requestBody(F.bytes("abcde")).refusal?.reason == .bodyTooLarge)
    }

    @Test func aMalformedBodyIs400OrACut() {
        var machine = F.machine(ExchangeRequest(body: .chunked))
        _ = machine.start(.allow(F.allowance()))
        _ = machine.upstreamConnected()
        #expect(machine.requestMalformed().refusal?.reason == .badRequest)
        #expect(machine.closesConnection)
        #expect(machine.isComplete)
    }
}

/// SHA-256 of a string, for content digests in tests.
enum SHA256Digest {
    static func of(_ text: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(text.utf8)))
    }
}
