/// Where finished requests' records go. Implementations never block the caller's event loop
/// and never drop a record silently.
public protocol AuditSink: Sendable {
    /// Accepts one record; called on an event loop when a response ends.
    func submit(_ record: AuditRecord)
}

/// A sink that discards records: for tests and benchmarks that measure without audit.
public struct DiscardingAuditSink: AuditSink {
    public init() {}
    public func submit(_ record: AuditRecord) {}
}
