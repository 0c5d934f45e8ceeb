import GatewayValues

/// One audit record: the fields of SPEC §5, one per request whose request line was read.
///
/// Optional fields are written as JSON `null` when they do not apply (SPEC §9 "Audit fields").
///
/// The members live in one shared object (`CopyOnWrite`): a record is copied when it is made on
/// the event loop and again when the writer thread encodes it, and inline each copy retained its
/// eleven strings and its scopes one by one (about 46 references a request, callgrind).
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

    private var fields: CopyOnWrite<Fields>

    /// Assigned by the writer: 1, 2, … per process start, in completion order.
    public var seq: UInt64 {
        _read { yield self.fields.value.seq }
        _modify { yield &self.fields.value.seq }
    }

    /// Milliseconds since 1970 (UTC); written as RFC 3339 with milliseconds.
    public var timestampMilliseconds: Int64 {
        _read { yield self.fields.value.timestampMilliseconds }
        _modify { yield &self.fields.value.timestampMilliseconds }
    }

    public var requestID: String {
        _read { yield self.fields.value.requestID }
        _modify { yield &self.fields.value.requestID }
    }

    /// The client IP (SPEC §9: the peer, or the first untrusted `X-Forwarded-For` entry).
    public var client: String {
        _read { yield self.fields.value.client }
        _modify { yield &self.fields.value.client }
    }

    public var method: String {
        _read { yield self.fields.value.method }
        _modify { yield &self.fields.value.method }
    }

    /// The `Host` header lowercased without port.
    public var host: String {
        _read { yield self.fields.value.host }
        _modify { yield &self.fields.value.host }
    }

    /// The normalised path, never the query string.
    public var path: String {
        _read { yield self.fields.value.path }
        _modify { yield &self.fields.value.path }
    }

    public var route: String? {
        _read { yield self.fields.value.route }
        _modify { yield &self.fields.value.route }
    }

    /// `allow` or `deny`.
    public var decision: String {
        _read { yield self.fields.value.decision }
        _modify { yield &self.fields.value.decision }
    }

    /// `ok` or a reason code.
    public var reason: String {
        _read { yield self.fields.value.reason }
        _modify { yield &self.fields.value.reason }
    }

    public var status: Int {
        _read { yield self.fields.value.status }
        _modify { yield &self.fields.value.status }
    }

    public var credential: Credential? {
        _read { yield self.fields.value.credential }
        _modify { yield &self.fields.value.credential }
    }

    public var subject: String? {
        _read { yield self.fields.value.subject }
        _modify { yield &self.fields.value.subject }
    }

    public var scopes: [String] {
        _read { yield self.fields.value.scopes }
        _modify { yield &self.fields.value.scopes }
    }

    public var jti: String? {
        _read { yield self.fields.value.jti }
        _modify { yield &self.fields.value.jti }
    }

    /// The target the request went to, or nil.
    public var upstream: String? {
        _read { yield self.fields.value.upstream }
        _modify { yield &self.fields.value.upstream }
    }

    public var durationMicroseconds: Int64 {
        _read { yield self.fields.value.durationMicroseconds }
        _modify { yield &self.fields.value.durationMicroseconds }
    }

    public var upstreamMicroseconds: Int64? {
        _read { yield self.fields.value.upstreamMicroseconds }
        _modify { yield &self.fields.value.upstreamMicroseconds }
    }

    public var bytesIn: Int64 {
        _read { yield self.fields.value.bytesIn }
        _modify { yield &self.fields.value.bytesIn }
    }

    public var bytesOut: Int64 {
        _read { yield self.fields.value.bytesOut }
        _modify { yield &self.fields.value.bytesOut }
    }
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
        self.fields = CopyOnWrite(
            Fields(
                timestampMilliseconds: timestampMilliseconds,
                requestID: requestID,
                client: client,
                method: method,
                host: host,
                path: path,
                route: route,
                decision: decision,
                reason: reason,
                status: status,
                credential: credential,
                subject: subject,
                scopes: scopes,
                jti: jti,
                upstream: upstream,
                durationMicroseconds: durationMicroseconds,
                upstreamMicroseconds: upstreamMicroseconds,
                bytesIn: bytesIn,
                bytesOut: bytesOut
            )
        )
    }

    /// The members, in one object the record's copies share.
    private struct Fields: Sendable, Equatable {
        var seq: UInt64 = 0
        var timestampMilliseconds: Int64
        var requestID: String
        var client: String
        var method: String
        var host: String
        var path: String
        var route: String?
        var decision: String
        var reason: String
        var status: Int
        var credential: Credential?
        var subject: String?
        var scopes: [String]
        var jti: String?
        var upstream: String?
        var durationMicroseconds: Int64
        var upstreamMicroseconds: Int64?
        var bytesIn: Int64
        var bytesOut: Int64
    }
}
