import NIOHTTP2

/// One client HTTP/2 connection: its streams, each an `ExchangeStateMachine` — the same one an
/// HTTP/1.1 connection runs, so policy, forwarding, limits and audit are the same code for
/// both — and the connection's own life: idle timeout, graceful shutdown (GOAWAY, then close
/// when the last stream ends), and what a connection error ends.
///
/// NIOHTTP2 keeps doing what it is for (framing, HPACK, flow control, settings and its own
/// flood protections); this machine sees whole header blocks and DATA payloads per stream.
struct HTTP2ConnectionStateMachine {
    enum Action {
        case none
        /// Perform this for the exchange of stream `streamID`.
        case exchange(HTTP2StreamID, ExchangeAction)
        /// Send GOAWAY naming the last stream that will be processed; `thenClose` once it is
        /// out (after a connection error, or an idle connection).
        case goAway(lastStreamID: HTTP2StreamID, errorCode: HTTP2ErrorCode, thenClose: Bool)
        /// Close the connection (after what was written leaves).
        case close
        /// A connection error, for which NIOHTTP2 wrote its GOAWAY: push it out, read nothing
        /// more and close the socket (RFC 9113 §5.4.1) — `HTTP2ConnectionGuard`.
        case shut
        /// Reset the stream with PROTOCOL_ERROR: its header block was malformed.
        case resetMalformed(HTTP2StreamID)
        /// Too many malformed blocks: write GOAWAY with ENHANCE_YOUR_CALM, then as `shut`.
        case calm(lastStreamID: HTTP2StreamID)
    }

    /// Malformed header blocks one connection may send, each resetting its stream, before the
    /// connection ends: NIOHTTP2's `maximumConnectionGlitches` for its own stream errors ("made
    /// you reset", CVE-2025-8671), counted here for the blocks `HTTP2FieldBlockCheck` refuses.
    static let maximumMalformedBlocks = 200

    /// The exchanges of open streams.
    private(set) var streams = HTTP2StreamTable<ExchangeStateMachine>()
    /// The highest client stream seen (GOAWAY names it).
    private(set) var lastStreamID = HTTP2StreamID.rootStream
    private(set) var isDraining = false
    private var goAwaySent = false
    private var isClosed = false
    private let idleTimeout: Int64
    /// Header blocks refused as malformed so far.
    private(set) var malformedBlocks = 0
    /// Monotonic nanoseconds at which the idle connection is closed.
    private(set) var idleDeadline: Int64?

    init(idleTimeout: Int64, now: Int64) {
        self.idleTimeout = idleTimeout
        self.idleDeadline = now + idleTimeout
    }

    var hasStreams: Bool { !self.streams.isEmpty }

    /// Whether a new stream may start: none after GOAWAY.
    func accepts(_ streamID: HTTP2StreamID) -> Bool {
        !self.goAwaySent && !self.isClosed
    }

    /// A request's header block opened `streamID`: its exchange starts with `verdict`.
    mutating func begin(
        _ streamID: HTTP2StreamID,
        verdict: ExchangeStateMachine.Verdict,
        request: ExchangeRequest,
        limits: ExchangeStateMachine.Limits,
        targetCount: Int
    ) -> Action {
        self.idleDeadline = nil
        if streamID > self.lastStreamID { self.lastStreamID = streamID }
        var exchange = ExchangeStateMachine(request: request, limits: limits)
        let action = exchange.start(verdict, targetCount: targetCount)
        self.streams[streamID] = exchange
        return .exchange(streamID, action)
    }

    /// Runs an event on the exchange of `streamID`.
    mutating func withExchange(_ streamID: HTTP2StreamID, _ event: (inout ExchangeStateMachine) -> ExchangeAction) -> Action {
        // In place through the dictionary's subscript: no copy out and back.
        guard self.streams[streamID] != nil else { return .none }
        return .exchange(streamID, event(&self.streams[streamID]!))
    }

    /// Whether the stream may be given `credit` more bytes of request body.
    ///
    /// A body read whole into memory (on a route whose signature covers `Content-Digest`, or for
    /// the token endpoint) may be up to `max_body_bytes`; without a bound per connection, 128
    /// concurrent streams could make one client hold 128 of them. So the bodies a connection
    /// holds whole share one budget of `max_body_bytes`: the oldest such stream is always
    /// credited (it can always finish, so the connection never stalls for good), a younger one
    /// only while the total has room; it waits, as flow control means, until a held body is
    /// released. A connection then holds at most twice `max_body_bytes` in such bodies (the
    /// oldest stream's, and the budget the others shared before it grew) plus a stream window
    /// (64 KiB) per stream. Streamed bodies are not counted: their credit follows the upstream.
    func mayCredit(_ streamID: HTTP2StreamID, _ credit: Int) -> Bool {
        guard let exchange = self.streams[streamID], exchange.holdsWholeBody else { return true }
        var held = 0
        var isOldest = true
        for (id, other) in self.streams where other.holdsWholeBody {
            held += other.pendingBytes
            if id < streamID { isOldest = false }
        }
        return isOldest || held + credit <= exchange.limits.maxBodyBytes
    }

    /// The exchange of `streamID`, if the stream is open.
    func exchange(_ streamID: HTTP2StreamID) -> ExchangeStateMachine? {
        self.streams[streamID]
    }

    /// The stream closed (reset by the client or by NIOHTTP2, or the connection went): a
    /// client that left before the response ended abandons the exchange (audited 499). Call
    /// `forget(_:now:)` once the action is performed.
    mutating func streamClosed(_ streamID: HTTP2StreamID) -> Action {
        let draining = self.isDraining
        return self.withExchange(streamID) { $0.clientClosed(draining: draining) }
    }

    /// Whether a stream's exchange is complete (its stream may be closed and forgotten).
    func isComplete(_ streamID: HTTP2StreamID) -> Bool {
        self.streams[streamID]?.isComplete ?? true
    }

    /// Forgets a stream's exchange once it is over.
    mutating func forget(_ streamID: HTTP2StreamID, now: Int64) -> Action {
        guard self.streams.removeValue(forKey: streamID) != nil else { return .none }
        if self.streams.isEmpty { self.idleDeadline = now + self.idleTimeout }
        return self.closeIfDrained()
    }

    // MARK: The connection

    /// Checks the idle deadline.
    mutating func tick(now: Int64) -> Action {
        guard let deadline = self.idleDeadline, now >= deadline, self.streams.isEmpty, !self.goAwaySent else { return .none }
        self.goAwaySent = true
        self.isClosed = true
        return .goAway(lastStreamID: self.lastStreamID, errorCode: .noError, thenClose: true)
    }

    /// Shutdown began: GOAWAY now; the connection closes when its last stream ends.
    mutating func beginDrain() -> Action {
        guard !self.isDraining else { return .none }
        self.isDraining = true
        guard !self.goAwaySent else { return self.closeIfDrained() }
        self.goAwaySent = true
        let thenClose = self.streams.isEmpty
        if thenClose { self.isClosed = true }
        return .goAway(lastStreamID: self.lastStreamID, errorCode: .noError, thenClose: thenClose)
    }

    /// NIOHTTP2 found a connection error (it has sent GOAWAY): the connection closes now and
    /// nothing more is read — a flood ends with one GOAWAY.
    mutating func connectionError() -> Action {
        guard !self.isClosed else { return .none }
        self.isClosed = true
        self.goAwaySent = true
        return .shut
    }

    /// A header block on `streamID` was malformed (`HTTP2FieldBlockCheck`): the stream is reset,
    /// and after `maximumMalformedBlocks` of them the connection ends.
    mutating func malformed(_ streamID: HTTP2StreamID) -> Action {
        guard !self.isClosed else { return .none }
        self.malformedBlocks += 1
        guard self.malformedBlocks > Self.maximumMalformedBlocks else { return .resetMalformed(streamID) }
        self.isClosed = true
        self.goAwaySent = true
        return .calm(lastStreamID: self.lastStreamID)
    }

    /// The connection closed: every open exchange is abandoned; call `withExchange` with
    /// `clientClosed` for each of `streams` first.
    mutating func closed() -> [HTTP2StreamID] {
        self.isClosed = true
        return Array(self.streams.keys)
    }

    private mutating func closeIfDrained() -> Action {
        guard self.isDraining, self.streams.isEmpty, !self.isClosed else { return .none }
        self.isClosed = true
        return .close
    }
}
