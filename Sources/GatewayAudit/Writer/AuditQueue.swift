import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Synchronization

/// The state the event loops and the writer thread share: the accepted records, the counters
/// behind backpressure and metrics, and the requests (reopen, flush, shutdown) the writer
/// carries out between batches.
///
/// Records go into per-thread lanes (`AuditLane`): an event loop appends to its own under the
/// lane's lock and numbers the record with one atomic add, so loops never wait for each other.
/// The rest — requests, waiters, the writer's sleep — is guarded by `condition`, which a loop
/// takes only to wake a sleeping writer (once per batch at most) or on the rare paths.
///
/// A `final class` because it is shared mutable state. `condition`'s value is "wake the writer".
final class AuditQueue: @unchecked Sendable {
    /// What the writer takes in one go.
    struct Batch {
        var records: [AuditRecord] = []
        /// `records[i]` was the `numbers[i]`-th record accepted (from 0); ascending.
        var numbers: [UInt64] = []
        /// Acceptance counts after which the sink is reopened (SIGHUP), ascending: the records
        /// numbered below a mark go to the sink before the reopen.
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

    // Read and written without `condition`.
    /// Records accepted so far; a record's number is the count before it.
    private let accepted = Atomic<UInt64>(0)
    /// Records the writer took from the lanes so far.
    private let taken = Atomic<UInt64>(0)
    private let written = Atomic<UInt64>(0)
    private let spilled = Atomic<UInt64>(0)
    private let refused = Atomic<UInt64>(0)
    /// The writer sleeps until `condition` is true: a producer that finds this set clears it
    /// and wakes the writer.
    private let writerSleeps = Atomic<Bool>(false)
    /// The writer is letting a batch gather: a producer wakes it only for a full batch.
    private let writerGathers = Atomic<Bool>(false)
    /// The calling thread's lane of this queue. One thread-specific key per queue, which the
    /// threads that submitted keep until they exit: a gateway makes one `AuditLog` per process.
    private let laneOfThread = ThreadSpecificVariable<AuditLane>()

    // Guarded by `condition`.
    private let condition = ConditionLock<Bool>(value: false)
    private var lanes: [AuditLane] = []
    private var reopenMarks: [UInt64] = []
    private var flushWaiters: [CheckedContinuation<Void, Never>] = []
    private var drainWaiters: [DrainWaiter] = []
    private var shutdownRequested = false
    /// No more records are accepted; the writer is doing its final sync.
    private var finished = false
    /// The sink is synced and closed; every waiter has been released.
    private var closed = false
    private var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
    /// The writer's scratch arrays for merging lanes (used only by the writer, in `take`).
    private var scratchRecords: [AuditRecord] = []
    private var scratchNumbers: [UInt64] = []

    init(highWaterMark: Int, lowWaterMark: Int) {
        precondition(highWaterMark > 0 && lowWaterMark >= 0 && lowWaterMark <= highWaterMark)
        self.highWaterMark = highWaterMark
        self.lowWaterMark = lowWaterMark
    }

    /// Records accepted and not yet taken by the writer.
    private var pendingCount: UInt64 {
        self.accepted.load(ordering: .sequentiallyConsistent) &- self.taken.load(ordering: .relaxed)
    }

    /// Guarded by `condition`.
    private var hasWork: Bool {
        !self.finished && (self.pendingCount > 0 || self.hasUrgentWork)
    }

    /// Work that must not wait for a batch to gather. Guarded by `condition`.
    private var hasUrgentWork: Bool {
        !self.reopenMarks.isEmpty || !self.flushWaiters.isEmpty || self.shutdownRequested || self.finished
    }

    /// Records accepted and neither written nor spilled.
    private var depth: Int {
        Int(
            self.accepted.load(ordering: .relaxed) &- self.written.load(ordering: .relaxed)
                &- self.spilled.load(ordering: .relaxed)
        )
    }

    // MARK: Event-loop side

    /// Queues `record` in the calling thread's lane unless the log has finished; never blocks
    /// beyond that lane's lock (and, once a batch, the writer's when it sleeps).
    func submit(_ record: consuming AuditRecord) -> AuditAdmission {
        guard let number = self.lane().append(record, number: { self.accepted.wrappingAdd(1, ordering: .sequentiallyConsistent).oldValue }) else {
            self.refused.wrappingAdd(1, ordering: .relaxed)
            return .refused
        }
        self.wakeWriterIfNeeded(pending: number &+ 1 &- self.taken.load(ordering: .relaxed))
        return self.depth > self.highWaterMark ? .overloaded : .accepted
    }

    /// The calling thread's lane, made and registered the first time the thread submits.
    private func lane() -> AuditLane {
        if let lane = self.laneOfThread.currentValue { return lane }
        self.condition.lock()
        let lane = AuditLane(isFinished: self.finished)
        self.lanes.append(lane)
        self.condition.unlock()
        self.laneOfThread.currentValue = lane
        return lane
    }

    /// A record was just queued, `pending` records await the writer: wakes it if it sleeps, or
    /// if it gathers a batch and this record completes one. (Sequentially consistent with the
    /// writer, which sets `writerSleeps` before it looks for records: one of the two sees the
    /// other.)
    private func wakeWriterIfNeeded(pending: UInt64) {
        let wake: Bool
        if self.writerSleeps.load(ordering: .sequentiallyConsistent) {
            wake = self.writerSleeps.compareExchange(expected: true, desired: false, ordering: .sequentiallyConsistent).exchanged
        } else {
            wake = pending == UInt64(Self.batchTarget) && self.writerGathers.load(ordering: .relaxed)
        }
        guard wake else { return }
        self.condition.lock()
        self.condition.unlock(withValue: true)
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
        self.reopenMarks.append(self.accepted.load(ordering: .sequentiallyConsistent))
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
        self.condition.lock()
        while true {
            self.writerSleeps.store(true, ordering: .sequentiallyConsistent)
            if self.hasWork { break }
            self.condition.unlock(withValue: false)
            self.condition.lock(whenValue: true)
        }
        self.writerSleeps.store(false, ordering: .sequentiallyConsistent)
        if !self.hasUrgentWork, self.pendingCount < UInt64(Self.batchTarget) {
            self.writerGathers.store(true, ordering: .relaxed)
            self.condition.unlock(withValue: false)
            if !self.condition.lock(whenValue: true, timeoutSeconds: Self.gatherSeconds) {
                self.condition.lock()
            }
            self.writerGathers.store(false, ordering: .relaxed)
        }
        self.takeRecords(into: &batch)
        swap(&batch.reopenMarks, &self.reopenMarks)
        swap(&batch.flushWaiters, &self.flushWaiters)
        batch.shutdownRequested = self.shutdownRequested
        self.condition.unlock(withValue: false)
    }

    /// Moves every lane's records into `batch`, in acceptance order. Guarded by `condition`.
    private func takeRecords(into batch: inout Batch) {
        var lanesTaken = 0
        for lane in self.lanes {
            if lanesTaken == 0 {
                lane.take(records: &batch.records, numbers: &batch.numbers)
                if !batch.records.isEmpty { lanesTaken = 1 }
                continue
            }
            lane.take(records: &self.scratchRecords, numbers: &self.scratchNumbers)
            guard !self.scratchRecords.isEmpty else { continue }
            lanesTaken += 1
            batch.records.append(contentsOf: self.scratchRecords)
            batch.numbers.append(contentsOf: self.scratchNumbers)
            self.scratchRecords.removeAll(keepingCapacity: true)
            self.scratchNumbers.removeAll(keepingCapacity: true)
        }
        self.taken.wrappingAdd(UInt64(batch.records.count), ordering: .relaxed)
        if lanesTaken > 1 {
            // Each lane is in order; the merged batch is put in acceptance order, which the
            // reopen marks count in.
            let order = batch.numbers.indices.sorted { batch.numbers[$0] < batch.numbers[$1] }
            batch.records = order.map { batch.records[$0] }
            batch.numbers = order.map { batch.numbers[$0] }
        }
    }

    /// Counts records that left the queue — written to the sink, or spilled to the fallback —
    /// and calls back the waiters once the queue is at or below its low-water mark.
    func drained(written: Int, spilled: Int) {
        self.written.wrappingAdd(UInt64(written), ordering: .relaxed)
        self.spilled.wrappingAdd(UInt64(spilled), ordering: .relaxed)
        self.condition.lock()
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
        for lane in self.lanes { lane.lockForWriter() }
        let drained = self.lanes.allSatisfy(\.isEmptyLocked)
        if drained {
            for lane in self.lanes { lane.finishLocked() }
            self.finished = true
            self.reopenMarks = []
        }
        for lane in self.lanes { lane.unlockForWriter() }
        self.condition.unlock(withValue: !drained)
        return drained
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
        Counters(
            accepted: self.accepted.load(ordering: .relaxed),
            written: self.written.load(ordering: .relaxed),
            spilled: self.spilled.load(ordering: .relaxed),
            refused: self.refused.load(ordering: .relaxed),
            depth: self.depth
        )
    }
}
