/// What `AuditSink.submit` tells the request path about the queue after taking a record.
public enum AuditAdmission: Sendable, Hashable {
    /// The record is queued and the queue is below its high-water mark.
    case accepted
    /// The record is queued, but the queue is above its high-water mark: the caller should stop
    /// reading new requests (`channel.read()` no more, `autoRead` off) and resume when
    /// `AuditSink.notifyWhenDrained(on:_:)` calls back. Nothing was dropped.
    case overloaded
    /// The log was shut down before the record came: it is not written to the sink. It was
    /// reported through the log's `Logger` (at `error`, by `request_id`) and counted in
    /// `AuditLog.recordsRefused`, so it is not lost silently.
    case refused
}
