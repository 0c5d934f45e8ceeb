import GatewayPolicy

/// What an exchange's audit record reports that the state machine knows: the verdict and
/// reason, the status, the route and who the request authenticated as, and the body byte
/// counts. The handler adds the request's own facts (id, client, method, host, timings).
struct ExchangeRecord: Equatable {
    var verdict = ExchangeVerdict.deny
    var reason = ExchangeReason.ok
    var status = 0
    var routeName: String?
    /// The normalised path, once known.
    var path: String?
    var identity: Identity?
    /// Request body bytes received (SPEC §9 "Audit fields": body bytes only).
    var bytesIn: Int64 = 0
    /// Response body bytes sent.
    var bytesOut: Int64 = 0

    /// Takes a refusal's reason, status and what it knew of the route and credential.
    mutating func refused(_ denial: Denial) {
        self.verdict = .deny
        self.reason = .refused(denial.reason)
        self.status = denial.status
        if self.routeName == nil { self.routeName = denial.routeName }
        if let path = denial.path { self.path = path }
        if let identity = denial.identity { self.identity = identity }
    }

    /// A failure after the policy allowed the request (502, 503, 504): still `allow`.
    mutating func failedAfterAllow(_ reason: DenyReason) {
        self.verdict = .allow
        self.reason = .refused(reason)
        self.status = reason.status
    }
}
