/// What the exchange state machine needs to know of a request head, whatever protocol carried
/// it: the facts that decide framing, retries and answers, never the fields themselves.
struct ExchangeRequest: Sendable, Equatable {
    /// How the request body is delimited (SPEC §9 "Bodies and methods": a request has a body
    /// when its framing says so, whatever its method).
    enum Body: Sendable, Equatable {
        /// No body.
        case none
        /// `Content-Length` above zero.
        case length(Int)
        /// HTTP/1.1 chunked.
        case chunked
        /// HTTP/2: a HEADERS frame without END_STREAM and no `content-length`; it ends with
        /// the stream.
        case stream
    }

    var body: Body
    /// `HEAD`: the response has no body whatever its fields say.
    var isHEAD: Bool
    /// RFC 9110 §9.2.2: such a request may be sent a second time (SPEC §9 "Retries").
    var isIdempotent: Bool
    /// `Expect: 100-continue` (the gateway answers it itself, once the request is allowed).
    var expectsContinue: Bool

    init(body: Body, isHEAD: Bool = false, isIdempotent: Bool = false, expectsContinue: Bool = false) {
        self.body = body
        self.isHEAD = isHEAD
        self.isIdempotent = isIdempotent
        self.expectsContinue = expectsContinue
    }

    var hasBody: Bool { self.body != .none }

    /// The declared length, when there is one.
    var declaredLength: Int? {
        if case .length(let length) = self.body { return length }
        return nil
    }
}
