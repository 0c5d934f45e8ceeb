import DequeModule

/// The life of one event loop's connection to Redis: connect on first use, reconnect after a
/// loss, back off after failures, and decide for each command whether it is written, waits for
/// the connection, or fails at once.
///
/// - Commands wait while the first connection, or the reconnection right after losing a working
///   one, is being made — that is usually quick, and those commands would otherwise fail for
///   nothing. The wait is bounded by the connect timeout and `maxQueued`.
/// - After a failed attempt the link waits (`RedisBackoff`) and tries again by itself; until a
///   connection is made, commands fail at once with `unavailable`, so a request on a replay-
///   protected route gets its 503 without waiting on a server that is down, and a rate limit
///   falls back to local buckets at once.
///
/// Generic over what waits, so it is tested with plain values; no I/O here.
struct RedisLinkStateMachine<Waiter> {
    enum State {
        case idle
        /// A connection attempt is under way; `queued` wait for it unless `failFast`.
        case connecting(queued: Deque<Waiter>, failFast: Bool)
        case ready
        /// After a failed attempt, until the retry timer fires.
        case waitingToRetry(RedisError)
        case shutDown
    }

    enum SendAction {
        case write(Waiter)
        /// Kept until the connection is made or fails.
        case queued
        /// Kept; start connecting.
        case connectAndQueue
        case fail(Waiter, RedisError)
    }

    enum ConnectedAction {
        /// Write these, in order, on the new connection.
        case writeQueued(Deque<Waiter>)
        /// The link was shut down meanwhile: close the new connection.
        case close
    }

    enum FailedAction {
        /// Fail these with the error, then retry after the backoff for `failures` attempts.
        case failAndRetry(Deque<Waiter>, failures: Int)
        /// Shut down meanwhile: nothing more to do.
        case none
    }

    private(set) var state: State = .idle
    /// Failed attempts since the last connection was made.
    private(set) var failures = 0
    let maxQueued: Int

    init(maxQueued: Int) {
        self.maxQueued = maxQueued
    }

    var isReady: Bool {
        if case .ready = self.state { return true }
        return false
    }

    mutating func send(_ waiter: Waiter) -> SendAction {
        switch self.state {
        case .ready:
            return .write(waiter)
        case .idle:
            self.state = .connecting(queued: [waiter], failFast: false)
            return .connectAndQueue
        case .connecting(var queued, let failFast):
            if failFast { return .fail(waiter, .unavailable("connecting")) }
            guard queued.count < self.maxQueued else { return .fail(waiter, .overloaded) }
            queued.append(waiter)
            self.state = .connecting(queued: queued, failFast: false)
            return .queued
        case .waitingToRetry(let error):
            return .fail(waiter, .unavailable(error.kind == "auth" ? "AUTH or SELECT refused" : "last attempt: \(error.kind)"))
        case .shutDown:
            return .fail(waiter, .shutDown)
        }
    }

    /// Starts connecting when idle (someone waits for readiness); true when a connection attempt
    /// must start.
    mutating func connectIfIdle() -> Bool {
        guard case .idle = self.state else { return false }
        self.state = .connecting(queued: [], failFast: false)
        return true
    }

    mutating func connected() -> ConnectedAction {
        switch self.state {
        case .connecting(let queued, _):
            self.state = .ready
            self.failures = 0
            return .writeQueued(queued)
        case .idle, .ready, .waitingToRetry, .shutDown:
            return .close
        }
    }

    mutating func connectFailed(_ error: RedisError) -> FailedAction {
        guard case .connecting(let queued, _) = self.state else { return .none }
        self.failures += 1
        self.state = .waitingToRetry(error)
        return .failAndRetry(queued, failures: self.failures)
    }

    /// A working connection was lost: reconnect at once (true), commands waiting for it.
    mutating func connectionLost() -> Bool {
        guard case .ready = self.state else { return false }
        self.state = .connecting(queued: [], failFast: false)
        return true
    }

    /// The backoff is over: try again (true), commands failing at once until it succeeds.
    mutating func retryTimerFired() -> Bool {
        guard case .waitingToRetry = self.state else { return false }
        self.state = .connecting(queued: [], failFast: true)
        return true
    }

    /// Stops for good; returns the commands still waiting (to fail).
    mutating func shutDown() -> Deque<Waiter> {
        defer { self.state = .shutDown }
        if case .connecting(let queued, _) = self.state { return queued }
        return []
    }
}
