import GatewayPolicy
import GatewayReplay
import GatewayRules
import NIOCore

/// What the channel handler must do next for one exchange. The state machine decides; the
/// handler performs, and reports back with the event the action names.
enum ExchangeAction {
    case none
    /// Write `100 Continue` (RFC 9110 §10.1.1), then call `continueWritten()`.
    case writeContinue
    /// Ask the replay store whether the token's `jti` was revoked; report
    /// `revocationLookedUp(_:)`.
    case lookUpRevocation(NonceKey)
    /// Record the nonce or `jti` in the replay store (SPEC §9 check 9); report
    /// `nonceClaimed(_:)`.
    case claimNonce(ReplayNonce)
    /// Ask the rate limiter (SPEC §9 check 10); report `rateLimitDecided(_:)`.
    case checkRateLimit(RateLimitRule)
    /// Get a connection to the next target of the route's upstream — with `fresh`, never a
    /// pooled one; report `upstreamConnected(reused:)` or `upstreamConnectFailed()`.
    case connect(fresh: Bool)
    /// Write the upstream request head, then `body`, then the request's end when `end` is set.
    case sendRequest(body: [ByteBuffer], end: RequestEnd?)
    case forwardBody(ByteBuffer)
    case forwardEnd(TrailerFields?)
    /// Run the local endpoint on the request's whole body; report `localAnswered(_:)`.
    case answerLocally(body: ByteBuffer)
    /// Write the response head the upstream sent (the handler holds it).
    case writeResponseHead
    case writeResponseBody(ByteBuffer)
    /// End the response: its end (and trailers), then hand back or close the upstream
    /// connection, then audit. `then` says what becomes of the rest of the request.
    case endResponse(TrailerFields?, upstream: UpstreamDisposition, then: RequestDisposition)
    /// Drop any upstream connection, write the whole local answer, audit. Boxed: a local
    /// response is about 200 bytes, and unboxed it made every action that large, so each of
    /// the half-dozen actions a proxied request passes through was copied at that size.
    indirect case respond(LocalResponse, then: RequestDisposition)
    /// A started response cannot be completed: drop any upstream connection, audit, and close
    /// the client connection (HTTP/2: reset the stream) — the client learns it only that way.
    case cut
    /// The client went away: drop any upstream connection and audit (no response).
    case abandon
}

/// The end of a request sent upstream: its trailers, if any.
struct RequestEnd {
    var trailers: TrailerFields?
}

/// What becomes of an upstream connection after its response.
enum UpstreamDisposition: Equatable {
    /// Back to its pool for the next request.
    case release
    /// Closed: the upstream said so, or the request was not wholly sent.
    case close
}

/// What becomes of the rest of a request once its response is written.
enum RequestDisposition: Equatable {
    /// The request was read whole: the connection goes on with the next one.
    case complete
    /// The rest of the body is read and dropped, then the connection goes on.
    case discardRest
    /// The connection closes after the response (HTTP/2: the stream is reset with NO_ERROR).
    case close
}

/// A response the gateway writes itself.
enum LocalResponse {
    /// A refusal with the JSON body of SPEC §3.
    case denial(Denial)
    /// A local endpoint's answer (the token endpoint).
    case answer(status: Int, headers: [(String, String)], body: ByteBuffer)

    var status: Int {
        switch self {
        case .denial(let denial): return denial.status
        case .answer(let status, _, _): return status
        }
    }
}

/// Trailer fields, as names and values (rare, so kept as strings).
struct TrailerFields: Sendable, Equatable {
    var fields: [(name: String, value: String)]

    init(_ fields: [(name: String, value: String)]) {
        self.fields = fields
    }

    static func == (lhs: TrailerFields, rhs: TrailerFields) -> Bool {
        lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.value == $1.value }
    }
}
