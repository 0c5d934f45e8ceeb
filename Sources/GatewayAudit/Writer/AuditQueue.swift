import NIOConcurrencyHelpers
import NIOCore

/// The state the event loops and the writer thread share: the bounded queue of accepted records,
/// the counters behind backpressure and metrics, and the requests (reopen, flush, shutdown) the
/// writer carries out between batches.
///
/// A `final class` because it is shared mutable state. Every stored property is guarded by
/// `condition`, whose value is "the writer has work" — kept equal to `hasWork` at every unlock,
/// so the writer sleeps on it and producers only signal when that changes.
final class AuditQueue: @unchecked Sendable {
    /// What the writer takes in one go.
    struct Batch {
        var records: [AuditRecord] = []
        /// Acceptance counts after which the sink is reopened (SIGHUP), ascending.
        var reopenMarks: [UInt64] = []
        /// Flushes to complete (with `fsync`) once `records` are written.
        var flushWaiters: [CheckedContinuation<Void, Never>] = []
        /// Shutdown was asked for: when `records` is empty, the queue is drained.
        var shutdownRequested = false
    }

    private struct DrainWaiter {
        var eventLoop: any EventLoop
        var callback: @Sendable () -> Void
    }

    let highWaterMark: Int
    let lowWaterMark: Int
    /// Records worth waking the writer for while it gathers a batch.
    static let batchTarget = 256
    /// How long the writer lets records gather before writing them (group commit): one wake-up
    /// per batch instead of one per record, which would cost each request a futex wake and a
    /// context switch.
    static let gatherSeconds = 0.002

    private let condition = ConditionLock<Bool>(value: false)
    private var pending: [AuditRecord] = []
    private var accepted: UInt64 = 0
    private var written: UInt64 = 0
    private var spilled: UInt64 = 0
    private var refused: UInt64 = 0
    private var reopenMarks: [UInt64] = []
    private var flushWaiters: [CheckedContinuation<Void, Never>] = []
    private var drainWaiters: [DrainWaiter] = []
    private var shutdownRequested = false
    /// No more records are accepted; the writer is doing its final sync.
    private var finished = false
    /// The sink is synced and closed; every waiter has been released.
    private var closed = false
    private var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
    /// The writer is letting a batch gather: producers wake it only for a full batch.
    private var gathering = false

    init(highWaterMark: Int, lowWaterMark: Int) {
        precondition(highWaterMark > 0 && lowWaterMark >= 0 && lowWaterMark <= highWaterMark)
        self.highWaterMark = highWaterMark
        self.lowWaterMark = lowWaterMark
        self.pending.reserveCapacity(min(highWaterMark, 4096))
    }

    /// Guarded by `condition`.
    private var hasWork: Bool {
        !self.finished
            && (!self.pending.isEmpty || !self.reopenMarks.isEmpty || !self.flushWaiters.isEmpty
                || self.shutdownRequested)
    }

    /// Work that must not wait for a batch to gather. Guarded by `condition`.
    private var hasUrgentWork: Bool {
        !self.reopenMarks.isEmpty || !self.flushWaiters.isEmpty || self.shutdownRequested || self.finished
    }

    /// Guarded by `condition`.
    private var depth: Int { Int(self.accepted - self.written - self.spilled) }

    // MARK: Event-loop side

    /// Queues `record` unless the log has finished; never blocks beyond the lock.
    func submit(_ record: consuming AuditRecord) -> AuditAdmission {
        self.condition.lock()
        guard !self.finished else {
            self.refused += 1
            self.condition.unlock()
            return .refused
        }
        let wasIdle = !self.hasWork
        self.pending.append(record)
        self.accepted += 1
        let overloaded = self.depth > self.highWaterMark
        if self.gathering {
            // Wake the gathering writer only for a full batch; else it writes when its short
            // wait ends.
            if self.pending.count >= Self.batchTarget { self.condition.unlock(withValue: true) } else { self.condition.unlock() }
        } else if wasIdle {
            self.condition.unlock(withValue: true)  // wakes the writer
        } else {
            self.condition.unlock()  // the value is already true; nobody sleeps on it
        }
        return overloaded ? .overloaded : .accepted
    }

    func notifyWhenDrained(on eventLoop: any EventLoop, _ callback: @escaping @Sendable () -> Void) {
        self.condition.lock()
        guard !self.finished, self.depth > self.lowWaterMark else {
            self.condition.unlock()
            eventLoop.execute(callback)
            return
        }
        self.drainWaiters.append(DrainWaiter(eventLoop: eventLoop, callback: callback))
        self.condition.unlock()
    }

    /// Asks the writer to reopen the sink after the records accepted so far.
    func requestReopen() {
        self.condition.lock()
        guard !self.finished else {
            self.condition.unlock()
            return
        }
        self.reopenMarks.append(self.accepted)
        self.condition.unlock(withValue: true)
    }

    /// Resumes `continuation` once every record accepted so far is written and synced.
    func requestFlush(_ continuation: CheckedContinuation<Void, Never>) {
        self.condition.lock()
        guard !self.closed else {
            self.condition.unlock()
            continuation.resume()
            return
        }
        self.flushWaiters.append(continuation)
        self.condition.unlock(withValue: self.hasWork)
    }

    /// Resumes `continuation` once the queue is drained, synced and the sink closed.
    func requestShutdown(_ continuation: CheckedContinuation<Void, Never>) {
        self.condition.lock()
        guard !self.closed else {
            self.condition.unlock()
            continuation.resume()
            return
        }
        self.shutdownRequested = true
        self.shutdownWaiters.append(continuation)
        self.condition.unlock(withValue: self.hasWork)
    }

    // MARK: Writer side

    /// Waits until there is work, then moves it into `batch` (whose arrays must be empty; their
    /// capacity is swapped in, so the queue allocates nothing in the steady state).
    func take(into batch: inout Batch) {
        self.condition.lock(whenValue: true)
        if !self.hasUrgentWork, self.pending.count < Self.batchTarget {
            self.gathering = true
            self.condition.unlock(withValue: false)
            if !self.condition.lock(whenValue: true, timeoutSeconds: Self.gatherSeconds) {
                self.condition.lock()
            }
            self.gathering = false
        }
        swap(&batch.records, &self.pending)
        swap(&batch.reopenMarks, &self.reopenMarks)
        swap(&batch.flushWaiters, &self.flushWaiters)
        batch.shutdownRequested = self.shutdownRequested
        self.condition.unlock(withValue: self.hasWork)
    }

    /// Counts records that left the queue — written to the sink, or spilled to the fallback —
    /// and calls back the waiters once the queue is at or below its low-water mark.
    func drained(written: Int, spilled: Int) {
        self.condition.lock()
        self.written += UInt64(written)
        self.spilled += UInt64(spilled)
        var waiters: [DrainWaiter] = []
        if self.depth <= self.lowWaterMark, !self.drainWaiters.isEmpty {
            swap(&waiters, &self.drainWaiters)
        }
        self.condition.unlock()
        for waiter in waiters {
            waiter.eventLoop.execute(waiter.callback)
        }
    }

    var isShutdownRequested: Bool {
        self.condition.lock()
        defer { self.condition.unlock() }
        return self.shutdownRequested
    }

    /// Marks the log finished — later records are refused — if no record arrived since the last
    /// `take`; otherwise returns `false` and the writer goes round once more. Atomic with the
    /// check, so no record is accepted that the writer will not write.
    func finishIfDrained() -> Bool {
        self.condition.lock()
        guard self.pending.isEmpty else {
            self.condition.unlock(withValue: true)
            return false
        }
        self.finished = true
        self.reopenMarks = []
        self.condition.unlock(withValue: false)
        return true
    }

    /// After `finishIfDrained` and the sink's final sync: releases everyone still waiting.
    func releaseWaiters() {
        self.condition.lock()
        self.closed = true
        let shutdownWaiters = self.shutdownWaiters
        let flushWaiters = self.flushWaiters
        let drainWaiters = self.drainWaiters
        self.shutdownWaiters = []
        self.flushWaiters = []
        self.drainWaiters = []
        self.condition.unlock(withValue: false)
        for waiter in flushWaiters { waiter.resume() }
        for waiter in drainWaiters { waiter.eventLoop.execute(waiter.callback) }
        for waiter in shutdownWaiters { waiter.resume() }
    }

    // MARK: Metrics

    struct Counters {
        var accepted: UInt64
        var written: UInt64
        var spilled: UInt64
        var refused: UInt64
        var depth: Int
    }

    var counters: Counters {
        self.condition.lock()
        defer { self.condition.unlock() }
        return Counters(
            accepted: self.accepted,
            written: self.written,
            spilled: self.spilled,
            refused: self.refused,
            depth: self.depth
        )
    }
}
