import GatewayAudit
import GatewayHTTP1
import GatewayPolicy
import GatewayTokens
import NIOCore

/// What a connection handler keeps beside an exchange's state machine: the request's own facts
/// for its audit record, the rules snapshot it runs under, and the upstream connection that
/// carries it.
///
/// A `final class`: it is the exchange's mutable I/O state, read and changed in place from the
/// handler and from the callbacks of the upstream, replay store and rate limiter. As a value it
/// was copied (about 30 fields, a dozen of them references) on every read; and a connection
/// between requests holds one nil pointer for it instead of the whole record inline. Only the
/// connection's event loop touches it.
final class ExchangeIO {
    /// Names the exchange to the upstream connection (`UpstreamReceiver`).
    let id: Int
    /// The rules the request started under: its route, upstream, limits, keys and replay store
    /// come from here even when a reload lands in flight (SPEC §9 "Snapshots").
    let configuration: ProxyConfiguration
    let requestID: String
    /// The audit record's `client`.
    let client: String
    let peerIsTrusted: Bool
    let method: String
    /// The normalised host, or empty.
    var host: String
    /// The path as received, until the policy normalised it.
    let rawPath: String
    let startNanoseconds: Int64
    let startMilliseconds: Int64
    /// The token endpoint's operation, when the request is for one of its paths.
    var tokenOperation: TokenEndpoint.Operation?
    /// HTTP/1.1: the request's head, for writing it upstream and answering it (its version,
    /// whether it is a HEAD); kept here, not in the connection, so an idle connection holds
    /// none of its 92 bytes.
    var requestHead: HTTP1RequestHead?
    /// Whether an audit record is written (not when the request line was never read).
    var isAudited = true
    var isRecorded = false

    var upstream: UpstreamConnection?
    var target: ResolvedUpstream.Target?
    var upstreamStartNanoseconds: Int64?
    var upstreamEndNanoseconds: Int64?
    /// Monotonic nanoseconds by which the upstream must say something (`response_timeout` from
    /// the last thing it said); nil when no upstream is awaited.
    var upstreamDeadline: Int64?
    var responseTimeout: Int64 = 0
    /// The upstream's response head, until it is written to the client.
    var responseHead: HTTP1ResponseHead?
    var responseFraming = ResponseFraming.none
    /// HTTP/1.1: the response head as bytes, written with the first body bytes (one write, one
    /// buffer for a small response) or at the end of the upstream's read, whichever comes first.
    var pendingHead: ByteBuffer?
    /// The request body was written upstream since the last flush.
    var needsUpstreamFlush = false

    init(
        id: Int,
        configuration: ProxyConfiguration,
        requestID: String,
        client: String,
        peerIsTrusted: Bool,
        method: String,
        host: String,
        rawPath: String,
        startNanoseconds: Int64,
        startMilliseconds: Int64
    ) {
        self.id = id
        self.configuration = configuration
        self.requestID = requestID
        self.client = client
        self.peerIsTrusted = peerIsTrusted
        self.method = method
        self.host = host
        self.rawPath = rawPath
        self.startNanoseconds = startNanoseconds
        self.startMilliseconds = startMilliseconds
    }

    /// Takes the upstream connection away from the exchange.
    func takeUpstream() -> UpstreamConnection? {
        let upstream = self.upstream
        self.upstream = nil
        self.upstreamDeadline = nil
        upstream?.detach()
        return upstream
    }

    func auditRecord(_ record: ExchangeRecord, now: Int64) -> AuditRecord {
        let identity = record.identity
        var upstreamMicroseconds: Int64?
        if let start = self.upstreamStartNanoseconds {
            upstreamMicroseconds = ((self.upstreamEndNanoseconds ?? now) - start) / 1000
        }
        let rawPath = self.rawPath
        return AuditRecord(
            timestampMilliseconds: self.startMilliseconds,
            requestID: self.requestID,
            client: self.client,
            method: self.method,
            host: self.host,
            path: record.path ?? rawPath,
            route: record.routeName,
            decision: record.verdict.auditValue,
            reason: record.reason.auditValue,
            status: record.status,
            credential: identity.map { AuditRecord.Credential(kind: $0.kind, id: $0.id, jkt: $0.jkt) },
            subject: identity?.subject,
            scopes: identity?.scopes ?? [],
            jti: identity?.jti,
            upstream: self.target?.label,
            durationMicroseconds: (now - self.startNanoseconds) / 1000,
            upstreamMicroseconds: upstreamMicroseconds,
            bytesIn: record.bytesIn,
            bytesOut: record.bytesOut
        )
    }
}
