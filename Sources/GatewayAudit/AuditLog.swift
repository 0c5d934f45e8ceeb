public import Logging
public import NIOCore
import NIOPosix
import Synchronization

/// The audit log of SPEC §5: one JSON line per request, in RFC 8785 canonical form, hash-chained,
/// written off the event loops.
///
/// Records go into a bounded queue drained by one dedicated writer thread (a `NIOThreadPool` of
/// size one: blocking `write(2)`/`fsync(2)` belong neither on an event loop nor on the Swift
/// cooperative pool). The writer assigns `seq` in acceptance order — which is completion order,
/// since the proxy submits when a response ends — chains the records and writes each batch with
/// one `write(2)`.
///
/// Backpressure, not loss: `submit` always queues the record and answers `.overloaded` once more
/// than `highWaterMark` records wait; the caller stops reading and registers
/// `notifyWhenDrained(on:_:)`, which calls back on its event loop when the writer has brought the
/// queue down to `lowWaterMark`. So the queue exceeds its high-water mark by at most the requests
/// already in flight, and a slow or full disk slows the gateway instead of losing records.
///
/// `reopen()` (SIGHUP) reopens the file between two batches; the chain continues. `shutdown()`
/// drains the queue, `fsync`s and closes: when it returns, every accepted record is on disk.
/// Opening an existing non-empty file continues its chain from its last record's `hash`, read
/// from the file's tail.
///
/// A sink path that names the null device (`/dev/null`, or a link to it) turns the log off:
/// records are counted as written and never encoded, hashed or queued, and no writer thread
/// starts — what a record would cost the writer thread (about 5,000 instructions to encode it,
/// more to hash it) is not spent on bytes the system discards.
///
/// `shutdown()` must be called: the writer thread keeps the log alive until then.
public final class AuditLog: AuditSink, Sendable {
    public let configuration: Configuration
    private let queue: AuditQueue
    /// The writer thread; nil when the sink is the null device.
    private let thread: NIOThreadPool?
    private let logger: Logger
    /// Records taken while the sink is the null device: counted, not written.
    private let discarded = Atomic<Int>(0)

    /// Whether records are discarded because the sink is the null device.
    public var isDiscarding: Bool { self.thread == nil }

    /// Opens the sink (creating the file with mode 0640), reads the tail of an existing file to
    /// continue its chain, and starts the writer thread.
    public init(configuration: Configuration, logger: Logger = Logger(label: "gateway.audit")) throws(AuditFileError) {
        let descriptor: CInt
        var tail = AuditFileTail.empty
        switch configuration.destination {
        case .standardOutput:
            descriptor = 1
        case .file(let path) where SystemFile.isNullDevice(path):
            self.configuration = configuration
            var logger = logger
            logger[metadataKey: "audit.sink"] = "\(path)"
            self.logger = logger
            self.queue = AuditQueue(highWaterMark: configuration.highWaterMark, lowWaterMark: configuration.lowWaterMark)
            self.thread = nil
            logger.info("the audit sink is the null device: records are counted, not written")
            return
        case .file(let path):
            descriptor = try SystemFile.openForAppend(path)
            do {
                tail = try AuditFileTail.read(path: path)
            } catch {
                SystemFile.closeFile(descriptor)
                throw error
            }
        }
        var logger = logger
        logger[metadataKey: "audit.sink"] = "\(Self.name(of: configuration.destination))"
        if configuration.hashChain {
            switch (tail.lastHash, tail.problem) {
            case (let lastHash?, let problem):
                logger.info("audit chain continues the existing file", metadata: ["audit.prev": "\(lastHash)"])
                if let problem { logger.warning("audit file: \(problem)") }
            case (nil, let problem?):
                logger.warning("audit file: \(problem); the chain starts again from 64 zeros")
            case (nil, nil):
                break
            }
        }
        self.configuration = configuration
        self.logger = logger
        self.queue = AuditQueue(highWaterMark: configuration.highWaterMark, lowWaterMark: configuration.lowWaterMark)
        let writer = AuditWriter(
            queue: self.queue,
            configuration: configuration,
            logger: logger,
            descriptor: descriptor,
            tail: tail
        )
        let thread = NIOThreadPool(numberOfThreads: 1)
        self.thread = thread
        thread.start()
        thread.submit { _ in
            var writer = writer
            writer.run()
        }
    }

    private static func name(of destination: Configuration.Destination) -> String {
        switch destination {
        case .standardOutput: return "<stdout>"
        case .file(let path): return path
        }
    }

    // MARK: AuditSink

    /// Queues `record`; never blocks the event loop (beyond a short lock) and never drops it.
    /// After `shutdown()` there is no writer any more: the record is refused and that is logged.
    @discardableResult
    ///
    /// The record is consumed: it moves into the queue without a copy (a copy retains each of
    /// its strings).
    public func submit(_ record: consuming AuditRecord) -> AuditAdmission {
        if self.isDiscarding {
            self.discarded.wrappingAdd(1, ordering: .relaxed)
            return .accepted
        }
        let requestID = record.requestID
        let status = record.status
        let admission = self.queue.submit(record)
        if admission == .refused {
            self.logger.error(
                "audit record refused: the audit log is shut down",
                metadata: ["request_id": "\(requestID)", "status": "\(status)"]
            )
        }
        return admission
    }

    public func acceptUnbuilt() -> Bool {
        guard self.isDiscarding else { return false }
        self.discarded.wrappingAdd(1, ordering: .relaxed)
        return true
    }

    public func notifyWhenDrained(on eventLoop: any EventLoop, _ callback: @escaping @Sendable () -> Void) {
        guard !self.isDiscarding else { return eventLoop.execute(callback) }
        self.queue.notifyWhenDrained(on: eventLoop, callback)
    }

    // MARK: Lifecycle

    /// Reopens the file at the configured path between two batches, after the records accepted
    /// so far (SIGHUP; logrotate's `create` mode). Returns at once. Nothing for standard output.
    public func reopen() {
        guard !self.isDiscarding else { return }
        self.queue.requestReopen()
    }

    /// Returns once every record accepted before the call is written and `fsync`ed.
    public func flush() async {
        guard !self.isDiscarding else { return }
        await withCheckedContinuation { self.queue.requestFlush($0) }
    }

    /// Drains the queue, `fsync`s and closes the sink, and stops the writer thread. When it
    /// returns, every accepted record is on disk; later records are refused (and logged).
    public func shutdown() async {
        guard let thread = self.thread else { return }
        await withCheckedContinuation { self.queue.requestShutdown($0) }
        try? await thread.shutdownGracefully()
    }

    // MARK: Metrics

    /// Records written to the sink since start (`gateway_audit_records_total`).
    public var recordsWritten: Int { Int(self.queue.counters.written) + self.discarded.load(ordering: .relaxed) }
    /// Records accepted and not yet written.
    public var queueDepth: Int { self.queue.counters.depth }
    /// Records accepted since start.
    public var recordsAccepted: Int { Int(self.queue.counters.accepted) + self.discarded.load(ordering: .relaxed) }
    /// Records refused after shutdown (each logged).
    public var recordsRefused: Int { Int(self.queue.counters.refused) }
    /// Records written to standard error because the sink kept failing at shutdown.
    public var recordsSpilled: Int { Int(self.queue.counters.spilled) }
}
