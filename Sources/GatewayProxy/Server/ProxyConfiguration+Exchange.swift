import GatewayPolicy
import GatewayRules
import GatewayHTTP1

extension ProxyConfiguration {
    /// What an exchange's state machine needs of the snapshot.
    var exchangeLimits: ExchangeStateMachine.Limits {
        ExchangeStateMachine.Limits(maxBodyBytes: self.limits.maxBodyBytes)
    }

    /// The number of targets of the upstream an allowed request goes to (each is tried once
    /// when connections fail).
    func targetCount(of verdict: ExchangeStateMachine.Verdict) -> Int {
        guard case .allow(let allowance) = verdict else { return 1 }
        return self.targetCount(of: allowance)
    }

    /// `targetCount(of:)` for an allowed request: found by the route's index, not by the
    /// upstream's name (no string hashed per request).
    func targetCount(of allowance: Allowance) -> Int {
        self.upstream(of: allowance.route)?.targets.count ?? 1
    }
}

extension ProxyConfiguration.Limits {
    /// The codec's limits (SPEC §9 "Bodies": `max_header_bytes` counts the whole head,
    /// `max_uri_bytes` the request target).
    var http1: HTTP1Limits {
        HTTP1Limits(maxHeadBytes: self.maxHeaderBytes, maxTargetBytes: self.maxURIBytes)
    }

    /// The codec's limits for upstream responses: heads as large as a client's may be, and
    /// targets do not apply.
    var upstreamHTTP1: HTTP1Limits {
        HTTP1Limits(maxHeadBytes: max(self.maxHeaderBytes, 64 * 1024), maxTargetBytes: self.maxURIBytes)
    }
}
