import DequeModule
import NIOCore

/// The commands in flight on one connection, oldest first. Redis answers the commands of a
/// connection in the order it received them ("Redis pipelining", redis.io), so a reply belongs to
/// the oldest unanswered command; commands may be written back to back without waiting.
///
/// Each command has a deadline. One timer per connection, armed for the oldest command's
/// deadline and moved forward lazily when it fires early, enforces them. When the oldest command
/// passes its deadline the connection is given up: every command on it fails with `timeout`, and
/// the connection is closed, since its replies can no longer be trusted to arrive in time and a
/// late reply must never be matched to a newer command. Redis answers in microseconds; a command
/// past a timeout of hundreds of milliseconds means a partitioned or stalled server, which a new
/// connection detects faster than waiting on this one.
///
/// Generic over what waits for a reply so it can be tested with plain values; the channel handler
/// uses promises. No I/O here: each event returns what the handler must do.
struct RedisPipelineStateMachine<Waiter> {
    struct Pending {
        var waiter: Waiter
        var sentAt: NIODeadline
        var deadline: NIODeadline
    }

    enum SendAction {
        /// Write the command; arm the timer for this deadline when given (none was armed).
        case write(armTimerFor: NIODeadline?)
        /// Fail the waiter at once (the connection is closed or has too many commands waiting).
        case fail(Waiter, RedisError)
    }

    enum ReplyAction {
        /// The reply of the oldest command, written at `sentAt`.
        case answer(Waiter, RESPValue, sentAt: NIODeadline)
        /// A reply with no command waiting: close the connection (the stream is out of step).
        case unexpected
    }

    enum TimerAction {
        case none
        case rearm(NIODeadline)
        /// Fail every waiter with `timeout` and close the connection.
        case timeOut([Waiter])
    }

    private var pending: Deque<Pending> = []
    private var closedBy: RedisError?
    private var armedFor: NIODeadline?
    let timeout: TimeAmount
    let maxPending: Int

    init(timeout: TimeAmount, maxPending: Int) {
        self.timeout = timeout
        self.maxPending = maxPending
    }

    /// Commands written and not yet answered.
    var inFlight: Int { self.pending.count }

    mutating func send(_ waiter: Waiter, now: NIODeadline) -> SendAction {
        if let error = self.closedBy { return .fail(waiter, error) }
        guard self.pending.count < self.maxPending else { return .fail(waiter, .overloaded) }
        let deadline = now + self.timeout
        self.pending.append(Pending(waiter: waiter, sentAt: now, deadline: deadline))
        guard self.armedFor == nil else { return .write(armTimerFor: nil) }
        self.armedFor = deadline
        return .write(armTimerFor: deadline)
    }

    mutating func reply(_ value: RESPValue) -> ReplyAction {
        guard let oldest = self.pending.popFirst() else { return .unexpected }
        return .answer(oldest.waiter, value, sentAt: oldest.sentAt)
    }

    mutating func timerFired(now: NIODeadline) -> TimerAction {
        self.armedFor = nil
        guard let oldest = self.pending.first, self.closedBy == nil else { return .none }
        if oldest.deadline <= now {
            self.closedBy = .timeout
            let waiters = self.pending.map(\.waiter)
            self.pending.removeAll()
            return .timeOut(waiters)
        }
        self.armedFor = oldest.deadline
        return .rearm(oldest.deadline)
    }

    /// The connection is gone (or being closed for `error`): every waiter fails with `error`, and
    /// later sends fail at once.
    mutating func close(_ error: RedisError) -> [Waiter] {
        if self.closedBy == nil { self.closedBy = error }
        let waiters = self.pending.map(\.waiter)
        self.pending.removeAll()
        return waiters
    }
}
