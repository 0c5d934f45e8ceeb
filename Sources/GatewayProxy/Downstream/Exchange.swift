import GatewayAudit
import GatewayCredentials
import GatewayPolicy
import NIOCore
import NIOHTTP1

/// One request and its response on a downstream connection: what was asked, what the policy
/// said, which upstream connection carries it, and the figures its audit record reports.
///
/// The connection handler drives it; upstream events arrive here and are passed on to the
/// handler together with the exchange they belong to, so a late event of a finished exchange
/// is recognised and ignored.
final class Exchange {
    weak var connection: DownstreamHandler?
    let head: HTTPRequestHead
    let requestID: String
    let startNanoseconds: Int64
    let startMilliseconds: Int64
    /// The audit record's `client`.
    let client: String
    /// The normalised host, or empty.
    var host: String = ""
    /// The normalised path, or the raw one when it could not be normalised.
    var path: String
    var routeName: String?
    var allowance: Allowance?
    /// The credential that verified (audited even when a later check refused the request).
    var identity: Identity?

    // Request side.
    var requestEnded = false
    var bytesIn: Int64 = 0
    /// Body bytes received before an upstream connection was ready.
    var pendingBody: [ByteBuffer] = []
    var pendingBodyBytes = 0
    var pendingTrailers: HTTPHeaders?
    /// A refused request whose body is read and dropped.
    var discardingBody = false

    /// Where an allowed exchange is on its way to the upstream.
    enum Stage {
        case deciding
        /// The body is read whole and checked against the signed `Content-Digest` first.
        case awaitingDigest
        case claimingNonce
        case forwarding
        case connecting
    }

    var stage = Stage.deciding
    var digestVerifier: ContentDigestVerifier?
    var peerIsTrusted = false

    // Upstream side.
    var target: ResolvedUpstream.Target?
    var upstream: UpstreamHandler?
    /// Whether the request head went upstream (an HTTP/2 request may wait for its first frame).
    var upstreamHeadSent = false
    var reusedConnection = false
    var attempts = 0
    var upstreamStartNanoseconds: Int64?
    var upstreamEndNanoseconds: Int64?
    /// Monotonic nanoseconds by which the upstream must say something (`response_timeout`
    /// from the last thing it said); nil when no upstream is awaited.
    var upstreamDeadline: Int64?
    var responseTimeout: Int64 = 0
    var needsUpstreamFlush = false

    // Response side.
    var responseStarted = false
    var responseEnded = false
    var responseFraming: ForwardedResponse.Framing = .contentLength
    var status = 0
    var bytesOut: Int64 = 0
    /// The policy's verdict (`allow` / `deny`) and the reason code (`ok` when the response came
    /// from the upstream).
    var decision = "deny"
    var reason = "ok"
    /// Whether an audit record is written (not when the request line was never read).
    var isAudited = true
    /// Whether the record (and metrics) for this exchange were written.
    var isRecorded = false

    init(head: HTTPRequestHead, requestID: String, client: String, connection: DownstreamHandler) {
        self.head = head
        self.requestID = requestID
        self.client = client
        self.connection = connection
        let uri = head.uri
        self.path = String(uri[..<(uri.utf8.firstIndex(of: UInt8(ascii: "?")) ?? uri.endIndex)])
        self.startNanoseconds = Clock.monotonicNanoseconds()
        self.startMilliseconds = Clock.wallMilliseconds()
    }

    /// Whether the client speaks HTTP/2 (one stream per exchange; no connection-level fields).
    var isHTTP2: Bool { self.head.version.major >= 2 }

    /// Whether the request declares a body (`Content-Length` above zero, or chunked).
    var declaresBody: Bool {
        if self.head.headers.contains(name: "transfer-encoding") { return true }
        return (self.head.headers.first(name: "content-length").flatMap(Int.init) ?? 0) > 0
    }

    /// Takes the upstream connection away from this exchange and closes it (it is not reused).
    func abandonUpstream() {
        self.upstreamDeadline = nil
        guard let upstream = self.upstream else { return }
        self.upstream = nil
        self.upstreamHeadSent = false
        upstream.receiver = nil
        upstream.close()
    }

    // MARK: Upstream events

    func upstreamReceived(_ part: HTTPClientResponsePart) {
        self.connection?.upstream(self, received: part)
    }

    func upstreamReadComplete() {
        self.connection?.upstreamReadComplete(self)
    }

    func upstreamClosed() {
        self.connection?.upstreamClosed(self)
    }

    func upstreamBecameWritable() {
        self.connection?.upstreamBecameWritable(self)
    }

    /// Whether the client can take more bytes (upstream reads are held while it cannot).
    var clientIsWritable: Bool { self.connection?.isWritable ?? true }

    // MARK: Audit

    func auditRecord() -> AuditRecord {
        let identity = self.identity
        let now = Clock.monotonicNanoseconds()
        var upstreamMicroseconds: Int64?
        if let start = self.upstreamStartNanoseconds {
            upstreamMicroseconds = ((self.upstreamEndNanoseconds ?? now) - start) / 1000
        }
        return AuditRecord(
            timestampMilliseconds: self.startMilliseconds,
            requestID: self.requestID,
            client: self.client,
            method: self.head.method.rawValue,
            host: self.host,
            path: self.path,
            route: self.routeName,
            decision: self.decision,
            reason: self.reason,
            status: self.status,
            credential: identity.map { AuditRecord.Credential(kind: $0.kind, id: $0.id) },
            subject: identity?.subject,
            scopes: identity?.scopes ?? [],
            jti: identity?.jti,
            upstream: self.target?.label,
            durationMicroseconds: (now - self.startNanoseconds) / 1000,
            upstreamMicroseconds: upstreamMicroseconds,
            bytesIn: self.bytesIn,
            bytesOut: self.bytesOut
        )
    }
}

@available(*, unavailable)
extension Exchange: Sendable {}
