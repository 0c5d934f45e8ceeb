public import NIOCore

/// Where finished requests' records go. Implementations never block the caller's event loop
/// and never drop a record silently.
///
/// Backpressure: `submit` always takes the record and answers whether the sink is overloaded;
/// an overloaded caller holds its reads and asks `notifyWhenDrained(on:_:)` to be called back
/// on its own event loop once the sink has caught up (SPEC §5: "writing never blocks the event
/// loop; a record is never dropped silently").
public protocol AuditSink: Sendable {
    /// Accepts one record; called on an event loop when a response ends.
    @discardableResult
    func submit(_ record: consuming AuditRecord) -> AuditAdmission

    /// Counts one record as written, without it, when the sink discards records (the null
    /// device), and returns true: the caller then need not build the record at all. Returns
    /// false, counting nothing, when records are written; the caller then submits it.
    func acceptUnbuilt() -> Bool

    /// Calls `callback` on `eventLoop` once the sink is below its low-water mark — at once (still
    /// via `eventLoop.execute`) when it already is, and also when the sink shuts down, so no
    /// caller waits forever.
    func notifyWhenDrained(on eventLoop: any EventLoop, _ callback: @escaping @Sendable () -> Void)
}

extension AuditSink {
    /// A sink that writes every record builds and takes each one.
    public func acceptUnbuilt() -> Bool { false }
}

/// A sink that discards records: for tests and benchmarks that measure without audit.
public struct DiscardingAuditSink: AuditSink {
    public init() {}

    @discardableResult
    public func submit(_ record: consuming AuditRecord) -> AuditAdmission { .accepted }

    public func acceptUnbuilt() -> Bool { true }

    public func notifyWhenDrained(on eventLoop: any EventLoop, _ callback: @escaping @Sendable () -> Void) {
        eventLoop.execute(callback)
    }
}
