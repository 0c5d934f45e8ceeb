/// One audit record: the fields of SPEC §5, one per request whose request line was read.
///
/// Optional fields are written as JSON `null` when they do not apply (SPEC §9 "Audit fields").
public struct AuditRecord: Sendable, Equatable {
    /// The credential that satisfied the route.
    public struct Credential: Sendable, Equatable {
        /// `jwt`, `api_key` or `signature`.
        public var kind: String
        public var id: String
        /// For a DPoP request (SPEC §10): the proof key's RFC 7638 thumbprint, the token's
        /// `cnf.jkt`. Written only when present, so other records keep their exact form.
        public var jkt: String?

        public init(kind: String, id: String, jkt: String? = nil) {
            self.kind = kind
            self.id = id
            self.jkt = jkt
        }
    }

    /// Assigned by the writer: 1, 2, … per process start, in completion order.
    public var seq: UInt64 = 0
    /// Milliseconds since 1970 (UTC); written as RFC 3339 with milliseconds.
    public var timestampMilliseconds: Int64
    public var requestID: String
    /// The client IP (SPEC §9: the peer, or the first untrusted `X-Forwarded-For` entry).
    public var client: String
    public var method: String
    /// The `Host` header lowercased without port.
    public var host: String
    /// The normalised path, never the query string.
    public var path: String
    public var route: String?
    /// `allow` or `deny`.
    public var decision: String
    /// `ok` or a reason code.
    public var reason: String
    public var status: Int
    public var credential: Credential?
    public var subject: String?
    public var scopes: [String]
    public var jti: String?
    /// The target the request went to, or nil.
    public var upstream: String?
    public var durationMicroseconds: Int64
    public var upstreamMicroseconds: Int64?
    public var bytesIn: Int64
    public var bytesOut: Int64

    public init(
        timestampMilliseconds: Int64,
        requestID: String,
        client: String,
        method: String,
        host: String,
        path: String,
        route: String?,
        decision: String,
        reason: String,
        status: Int,
        credential: Credential? = nil,
        subject: String? = nil,
        scopes: [String] = [],
        jti: String? = nil,
        upstream: String? = nil,
        durationMicroseconds: Int64,
        upstreamMicroseconds: Int64? = nil,
        bytesIn: Int64,
        bytesOut: Int64
    ) {
        self.timestampMilliseconds = timestampMilliseconds
        self.requestID = requestID
        self.client = client
        self.method = method
        self.host = host
        self.path = path
        self.route = route
        self.decision = decision
        self.reason = reason
        self.status = status
        self.credential = credential
        self.subject = subject
        self.scopes = scopes
        self.jti = jti
        self.upstream = upstream
        self.durationMicroseconds = durationMicroseconds
        self.upstreamMicroseconds = upstreamMicroseconds
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
    }
}
