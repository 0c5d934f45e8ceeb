import GatewayHTTP1
import GatewayPolicy
import NIOCore

/// One client HTTP/1.1 connection: bytes in, one exchange at a time, responses in order.
///
/// A value in the swift-nio style: the handler feeds it bytes and clock ticks and pulls
/// `Action`s with `next(now:)` until it says `wait`. Pipelined requests wait as unparsed bytes
/// in the decoder (the decoder is the pipelining queue): the next head is parsed only once the
/// current exchange is complete. It owns keep-alive, `header_timeout`, `idle_timeout` and the
/// drain; each exchange's own progress belongs to its `ExchangeStateMachine`.
struct HTTP1ConnectionStateMachine {
    struct Timeouts: Equatable {
        /// `header_timeout`, in nanoseconds: a head must be whole this long after its first byte.
        var header: Int64
        /// `idle_timeout`, in nanoseconds: a keep-alive connection with nothing to do closes.
        var idle: Int64
    }

    enum Action {
        /// Nothing to do until bytes arrive or the exchange moves on.
        case wait
        /// A request head to decide: call `begin(_:…)` with the verdict.
        case decide(HTTP1RequestHead)
        /// The decoder refused the bytes: answer with `begin(.refuse(…))` (the connection
        /// closes after the answer). `request` is the request line when it was well formed.
        case refuse(HTTP1RequestError)
        /// `header_timeout` passed before the head was whole: answer 408 with `begin`.
        case headerTimedOut
        /// Perform this for the current exchange.
        case exchange(ExchangeAction)
        /// Close the connection once what was written is flushed.
        case close
    }

    private(set) var decoder: HTTP1RequestDecoder
    /// The exchange in progress, out of line; nil between requests.
    private var slot: ExchangeSlot?
    /// Set once the connection must close after the current response.
    private(set) var closesAfterResponse = false
    /// Set once shutdown began.
    private(set) var isDraining = false
    private var isClosed = false
    private let timeouts: Timeouts
    /// Monotonic nanoseconds by which the head being received must be whole.
    private(set) var headDeadline: Int64?
    /// Monotonic nanoseconds at which the idle connection closes.
    private(set) var idleDeadline: Int64?
    private var timedOut = false
    /// Whether the decoder returned the current message's end (bodiless requests have one too).
    private var messageEnded = true

    init(limits: HTTP1Limits, timeouts: Timeouts, now: Int64) {
        self.decoder = HTTP1RequestDecoder(limits: limits)
        self.timeouts = timeouts
        self.idleDeadline = now + timeouts.idle
    }

    /// Bytes from the client.
    mutating func received(_ bytes: ByteBuffer) {
        guard !self.isClosed else { return }
        self.decoder.feed(bytes)
    }

    /// Whether reads should pause: pipelined bytes pile up behind a busy exchange, or the
    /// exchange holds as much body as it may.
    func holdsReads(bufferLimit: Int) -> Bool {
        if let slot = self.slot, slot.machine.holdsReads(bufferLimit: bufferLimit) { return true }
        return self.decoder.bufferedBytes > bufferLimit
    }

    /// The next thing to do (never an exchange action that is `.none`: those are skipped).
    mutating func next(now: Int64) -> Action {
        while true {
            let action = self.step(now: now)
            if case .exchange(.none) = action { continue }
            return action
        }
    }

    private mutating func step(now: Int64) -> Action {
        if self.isClosed { return .wait }
        if let slot = self.slot {
            let closesConnection = slot.machine.closesConnection
            if slot.machine.isComplete, self.messageEnded || closesConnection {
                self.slot = nil
                if self.closesAfterResponse || closesConnection || self.isDraining {
                    return self.close()
                }
            } else {
                return self.pullBody()
            }
        }
        if self.timedOut { return .wait }
        return self.pullHead(now: now)
    }

    /// The current exchange's request side takes what the decoder has of its body.
    private mutating func pullBody() -> Action {
        guard !self.messageEnded else { return .wait }
        let event: HTTP1RequestEvent?
        do {
            event = try self.decoder.next()
        } catch {
            // A malformed chunk: the request cannot be read further.
            self.messageEnded = true
            return self.withExchange { $0.requestMalformed() }
        }
        switch event {
        case nil:
            return .wait
        case .body(let bytes):
            return self.withExchange { $0.requestBody(bytes) }
        case .end(let trailers):
            self.messageEnded = true
            let fields = trailers.map(TrailerFields.init(http1:))
            return self.withExchange { $0.requestEnd(fields) }
        case .head:
            // The decoder never gives a head before the body it follows has ended.
            return self.close()
        }
    }

    private mutating func pullHead(now: Int64) -> Action {
        let event: HTTP1RequestEvent?
        do {
            event = try self.decoder.next()
        } catch {
            self.headDeadline = nil
            self.closesAfterResponse = true
            return .refuse(error)
        }
        switch event {
        case .head(let head):
            self.messageEnded = false
            self.headDeadline = nil
            self.idleDeadline = nil
            if !head.keepAlive || head.hasUpgrade || head.method == .CONNECT || self.isDraining {
                // After an upgrade or CONNECT nothing more on this connection is HTTP/1.1.
                self.closesAfterResponse = true
            }
            return .decide(head)
        case nil:
            if self.decoder.isInHead {
                self.idleDeadline = nil
                if self.headDeadline == nil { self.headDeadline = now + self.timeouts.header }
            } else if self.idleDeadline == nil {
                if self.isDraining { return self.close() }
                self.idleDeadline = now + self.timeouts.idle
            }
            return .wait
        case .body, .end:
            // Only an exchange reads a body.
            return self.close()
        }
    }

    /// Starts the exchange for the head `next` gave (or for a refused head).
    mutating func begin(
        _ verdict: ExchangeStateMachine.Verdict,
        request: ExchangeRequest,
        limits: ExchangeStateMachine.Limits,
        targetCount: Int = 1
    ) -> Action {
        var exchange = ExchangeStateMachine(request: request, limits: limits)
        let action = exchange.start(verdict, targetCount: targetCount)
        self.slot = ExchangeSlot(exchange)
        return .exchange(action)
    }

    /// Runs an event on the current exchange.
    mutating func withExchange(_ event: (inout ExchangeStateMachine) -> ExchangeAction) -> Action {
        // In place: the machine is not copied out and back (it holds references each copy would
        // retain and release).
        guard self.slot != nil else { return .wait }
        if !isKnownUniquelyReferenced(&self.slot) { self.slot = ExchangeSlot(self.slot!.machine) }
        return .exchange(event(&self.slot!.machine))
    }

    /// The exchange in progress, as a copy; nil between requests. The handler reads single
    /// parts through the properties below, which copy only that part.
    var exchange: ExchangeStateMachine? { self.slot?.machine }
    var hasExchange: Bool { self.slot != nil }
    /// What the policy granted the current exchange.
    var allowance: Allowance? { self.slot?.machine.allowance }
    /// The current exchange's audit record so far.
    var record: ExchangeRecord? { self.slot?.machine.record }
    /// Whether the current exchange ends the connection.
    var exchangeClosesConnection: Bool { self.slot?.machine.closesConnection == true }

    /// The response being written is delimited by the connection's close.
    mutating func closeAfterResponse() {
        self.closesAfterResponse = true
    }

    // MARK: Time and shutdown

    /// Checks the deadlines; call on every tick and then pull `next(now:)`.
    mutating func tick(now: Int64) -> Action {
        if let deadline = self.headDeadline, now >= deadline {
            self.headDeadline = nil
            self.timedOut = true
            self.closesAfterResponse = true
            if self.slot == nil { return .headerTimedOut }
        }
        if let deadline = self.idleDeadline, now >= deadline, self.slot == nil {
            return self.close()
        }
        return .wait
    }

    /// Shutdown began: an idle connection closes now; a busy one after its response.
    mutating func beginDrain() -> Action {
        self.isDraining = true
        self.closesAfterResponse = true
        if self.slot == nil, !self.decoder.isInHead { return self.close() }
        return .wait
    }

    /// The connection closed (either side): what the current exchange must still do.
    mutating func closed() -> Action {
        self.isClosed = true
        let draining = self.isDraining
        return self.withExchange { $0.clientClosed(draining: draining) }
    }

    /// After the connection closed: the heads of the whole requests still waiting in the
    /// decoder (their bodies skipped), to be audited as abandoned.
    mutating func takePipelinedHeads() -> [HTTP1RequestHead] {
        var heads: [HTTP1RequestHead] = []
        while let event = try? self.decoder.next() {
            if case .head(let head) = event { heads.append(head) }
        }
        return heads
    }

    private mutating func close() -> Action {
        self.isClosed = true
        return .close
    }
}

extension TrailerFields {
    init(http1 fields: HTTP1Fields) {
        self.init(fields.map { (name: fields.string($0.name), value: fields.string($0.value)) })
    }
}
