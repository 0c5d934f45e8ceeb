import NIOConcurrencyHelpers

/// One producing thread's part of the audit queue: the records that thread accepted and the
/// writer has not taken yet, each with its acceptance number.
///
/// Each event loop appends to its own lane under the lane's own lock, which only the writer
/// thread also takes (once per batch), so loops never wait for one another to queue a record.
///
/// A `final class` because it is shared mutable state; every stored property is guarded by
/// `lock`, which `append` and `take` take themselves, and the writer's finish holds on several
/// lanes at once through `lockForWriter()`/`unlockForWriter()`.
final class AuditLane: @unchecked Sendable {
    private let lock = NIOLock()
    private var records: [AuditRecord] = []
    /// `records[i]` was the `numbers[i]`-th record the queue accepted (counting from 0).
    private var numbers: [UInt64] = []
    /// No more records are taken: the log finished.
    private var isFinished: Bool

    init(isFinished: Bool) {
        self.isFinished = isFinished
        self.records.reserveCapacity(AuditQueue.batchTarget)
        self.numbers.reserveCapacity(AuditQueue.batchTarget)
    }

    /// Appends `record` numbered by `number()`, called under the lane's lock so that whoever
    /// takes the lock after a record was numbered finds it here. Returns nil, numbering nothing,
    /// when the log has finished.
    func append(_ record: consuming AuditRecord, number: () -> UInt64) -> UInt64? {
        self.lock.lock()
        guard !self.isFinished else {
            self.lock.unlock()
            return nil
        }
        let assigned = number()
        self.records.append(record)
        self.numbers.append(assigned)
        self.lock.unlock()
        return assigned
    }

    /// Moves the lane's records into `records` and `numbers` (empty arrays whose capacity the
    /// lane keeps in exchange, so neither side allocates in the steady state).
    func take(records: inout [AuditRecord], numbers: inout [UInt64]) {
        self.lock.lock()
        swap(&records, &self.records)
        swap(&numbers, &self.numbers)
        self.lock.unlock()
    }

    // MARK: The writer's finish

    func lockForWriter() { self.lock.lock() }
    func unlockForWriter() { self.lock.unlock() }

    /// With the lane locked (`lockForWriter`): whether it holds no record.
    var isEmptyLocked: Bool { self.records.isEmpty }

    /// With the lane locked (`lockForWriter`): refuses every later record.
    func finishLocked() { self.isFinished = true }
}
