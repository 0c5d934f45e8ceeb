import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The audit log's writer: runs on its own thread (never an event loop, never the cooperative
/// pool, since it makes blocking system calls), takes batches from the queue, numbers them
/// (`seq`), chains them (`prev`, `hash`) and writes each batch with one `write(2)`.
///
/// A value confined to that thread: it owns the file descriptor, the encoder's scratch buffer,
/// the output buffer and the chain's last hash, so none of them needs a lock.
struct AuditWriter: Sendable {
    private let queue: AuditQueue
    private let configuration: AuditLog.Configuration
    private let logger: Logger
    private var descriptor: CInt
    private var encoder = AuditRecordEncoder()
    private var output: [UInt8] = []
    /// Lines in `output`.
    private var outputRecords = 0
    /// `output` begins with a newline ending another writer's unterminated line.
    private var outputSeparator = false
    /// The `hash` of the last record written: the next record's `prev`.
    private var lastHash: AuditHash
    private var nextSeq: UInt64 = 1
    private var needsNewline: Bool
    /// When shutdown first met a failing sink.
    private var failingAtShutdownSince: ContinuousClock.Instant?

    init(
        queue: AuditQueue,
        configuration: AuditLog.Configuration,
        logger: Logger,
        descriptor: CInt,
        tail: AuditFileTail
    ) {
        self.queue = queue
        self.configuration = configuration
        self.logger = logger
        self.descriptor = descriptor
        self.lastHash = tail.lastHash ?? .zero
        self.needsNewline = tail.needsNewline
        self.output.reserveCapacity(configuration.maximumWriteBytes + 64 * 1024)
    }

    private var sinkName: String {
        switch self.configuration.destination {
        case .standardOutput: return "<stdout>"
        case .file(let path): return path
        }
    }

    /// The writer thread's loop: until shutdown has drained the queue.
    mutating func run() {
        var batch = AuditQueue.Batch()
        while true {
            self.queue.take(into: &batch)
            self.write(batch.records, numbers: batch.numbers, reopeningAfter: batch.reopenMarks)
            if !batch.flushWaiters.isEmpty {
                self.syncSink()
                for waiter in batch.flushWaiters { waiter.resume() }
            }
            let shutdownRequested = batch.shutdownRequested
            batch.records.removeAll(keepingCapacity: true)
            batch.numbers.removeAll(keepingCapacity: true)
            batch.reopenMarks.removeAll(keepingCapacity: true)
            batch.flushWaiters.removeAll(keepingCapacity: true)
            if shutdownRequested, self.queue.finishIfDrained() {
                self.syncSink()
                if case .file = self.configuration.destination {
                    SystemFile.closeFile(self.descriptor)
                }
                self.logger.debug("audit log closed", metadata: ["audit.records": "\(self.nextSeq - 1)"])
                self.queue.releaseWaiters()
                return
            }
        }
    }

    // MARK: Writing

    /// Encodes `records` into the output buffer, writing whenever it is full and at the end, and
    /// reopens the sink where a reopen request falls: before the first record accepted after it
    /// (`numbers` are the records' acceptance numbers, ascending), or after the batch. Every record
    /// accepted before a request is in its batch or an earlier one.
    private mutating func write(_ records: [AuditRecord], numbers: [UInt64], reopeningAfter marks: [UInt64]) {
        var marks = marks[...]
        for (record, number) in zip(records, numbers) {
            while let mark = marks.first, mark <= number {
                self.reopen()
                marks.removeFirst()
            }
            let seq = self.nextSeq
            self.nextSeq += 1
            if self.needsNewline {
                self.output.append(UInt8(ascii: "\n"))
                self.outputSeparator = true
                self.needsNewline = false
            }
            let prev = self.configuration.hashChain ? self.lastHash : nil
            if let hash = self.encoder.appendLine(record, seq: seq, prev: prev, to: &self.output) {
                self.lastHash = hash
            }
            self.outputRecords += 1
            if self.output.count >= self.configuration.maximumWriteBytes {
                self.flushOutput()
            }
        }
        self.flushOutput()
        for _ in marks { self.reopen() }
    }

    /// Writes the output buffer with one `write(2)` (more only if the system takes less). A
    /// failed write keeps every byte and is retried, pausing 10 ms doubling to 1 s: the records
    /// stay queued, the queue rises above its high-water mark and the request path is held back
    /// — nothing is dropped. Only at shutdown, after `shutdownWriteTimeout`, do the remaining
    /// lines go to the fallback (standard error), so the process can exit.
    private mutating func flushOutput() {
        guard !self.output.isEmpty else { return }
        var offset = 0
        var failure: (since: ContinuousClock.Instant, logged: ContinuousClock.Instant, errorNumber: Int32)?
        var retryInterval = self.configuration.initialRetryInterval
        var spilledRecords = 0
        while offset < self.output.count {
            let (written, errorNumber) = self.output.withUnsafeBytes { bytes in
                SystemFile.writeAll(self.descriptor, UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            }
            offset += written
            guard let errorNumber else { break }
            let now = ContinuousClock.now
            if let current = failure {
                if now - current.logged >= .seconds(10) || current.errorNumber != errorNumber {
                    self.logWriteFailure(errorNumber, since: current.since, now: now)
                    failure = (current.since, now, errorNumber)
                }
            } else {
                self.logWriteFailure(errorNumber, since: now, now: now)
                failure = (now, now, errorNumber)
            }
            if self.queue.isShutdownRequested {
                let since = self.failingAtShutdownSince ?? now
                self.failingAtShutdownSince = since
                if now - since >= self.configuration.shutdownWriteTimeout {
                    spilledRecords = self.spill(from: offset)
                    break
                }
            }
            Self.pause(retryInterval)
            retryInterval = min(retryInterval * 2, self.configuration.maximumRetryInterval)
        }
        if let failure, spilledRecords == 0 {
            self.logger.notice(
                "audit log writes again",
                metadata: [
                    "audit.sink": "\(self.sinkName)",
                    "audit.failed_for": "\(ContinuousClock.now - failure.since)",
                ]
            )
        }
        self.queue.drained(written: self.outputRecords - spilledRecords, spilled: spilledRecords)
        self.output.removeAll(keepingCapacity: true)
        self.outputRecords = 0
        self.outputSeparator = false
    }

    /// Writes the lines from the one `offset` falls in to the fallback descriptor and returns how
    /// many records that was. The sink may keep the start of a cut line; `gateway audit verify`
    /// reports it.
    private mutating func spill(from offset: Int) -> Int {
        var lineStart = offset
        while lineStart > 0, self.output[lineStart - 1] != UInt8(ascii: "\n") { lineStart -= 1 }
        var lines = 0
        for index in lineStart..<self.output.count where self.output[index] == UInt8(ascii: "\n") {
            lines += 1
        }
        if self.outputSeparator && lineStart == 0 { lines -= 1 }
        let (_, errorNumber) = self.output.withUnsafeBytes { bytes in
            SystemFile.writeAll(
                self.configuration.fallbackDescriptor,
                UnsafeRawBufferPointer(rebasing: bytes[lineStart...])
            )
        }
        if let errorNumber {
            self.logger.critical(
                "audit records lost: neither the sink nor standard error takes them",
                metadata: [
                    "audit.sink": "\(self.sinkName)",
                    "audit.records": "\(lines)",
                    "error": "\(SystemFile.errorText(errorNumber))",
                ]
            )
        } else {
            self.logger.critical(
                "audit sink failed until shutdown; the remaining records were written to standard error",
                metadata: ["audit.sink": "\(self.sinkName)", "audit.records": "\(lines)"]
            )
        }
        return lines
    }

    private func logWriteFailure(_ errorNumber: Int32, since: ContinuousClock.Instant, now: ContinuousClock.Instant) {
        self.logger.error(
            "audit log write failed; records are kept and the write is retried",
            metadata: [
                "audit.sink": "\(self.sinkName)",
                "error": "\(SystemFile.errorText(errorNumber))",
                "audit.failing_for": "\(now - since)",
                "audit.queue_depth": "\(self.queue.counters.depth)",
            ]
        )
    }

    private static func pause(_ interval: Duration) {
        let (seconds, attoseconds) = interval.components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR {
            request = remaining
        }
    }

    // MARK: Sync and reopen

    /// `fsync(2)` after writing everything gathered: on flush, reopen and shutdown.
    private mutating func syncSink() {
        self.flushOutput()
        if let errorNumber = SystemFile.sync(self.descriptor) {
            self.logger.error(
                "audit log fsync failed",
                metadata: ["audit.sink": "\(self.sinkName)", "error": "\(SystemFile.errorText(errorNumber))"]
            )
        }
    }

    /// Closes and reopens the file at the configured path (SIGHUP, for logrotate's `create`
    /// mode). The chain goes on: the next record's `prev` is the last hash written, whatever
    /// the new file holds (SPEC §9). If the path cannot be opened, writing goes on into the
    /// file already open — still the log, under its old name — and the error is logged.
    private mutating func reopen() {
        guard case .file(let path) = self.configuration.destination else { return }
        self.syncSink()
        let reopened: CInt
        do {
            reopened = try SystemFile.openForAppend(path)
        } catch {
            self.logger.error(
                "audit log reopen failed; writing on into the file already open",
                metadata: ["audit.sink": "\(path)", "error": "\(error)"]
            )
            return
        }
        SystemFile.closeFile(self.descriptor)
        self.descriptor = reopened
        // Only whether the file ends mid-line matters here; its last hash does not (SPEC §9).
        self.needsNewline = (try? AuditFileTail.read(path: path))?.needsNewline ?? false
        self.logger.info("audit log reopened", metadata: ["audit.sink": "\(path)"])
    }
}
