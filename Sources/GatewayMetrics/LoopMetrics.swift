import Prometheus

/// One event loop's cache of labelled series: looked up by plain dictionary on the loop, so
/// the shared registry (and its lock) is touched only the first time a label set appears.
public final class LoopMetrics {
    private struct RequestKey: Hashable {
        var route: String
        var decision: String
        var reason: String
    }

    /// The series of the request recorded last, and its key: consecutive requests mostly share
    /// a route and an outcome, and comparing three short strings costs less than hashing them.
    /// A class, so that reading it costs one reference, not a copy of three strings and two.
    private final class LastRequest {
        let key: RequestKey
        let counter: Counter
        let histogram: DurationHistogramShard

        init(key: RequestKey, counter: Counter, histogram: DurationHistogramShard) {
            self.key = key
            self.counter = counter
            self.histogram = histogram
        }

        func matches(route: String, decision: String, reason: String) -> Bool {
            self.key.route == route && self.key.decision == decision && self.key.reason == reason
        }
    }

    public let shared: GatewayMetrics
    private var lastRequest: LastRequest?
    private var lastUpstream: (name: String, histogram: DurationHistogramShard)?
    private var requests: [RequestKey: Counter] = [:]
    private var durations: [String: DurationHistogramShard] = [:]
    private var upstreamDurations: [String: DurationHistogramShard] = [:]
    private var upstreamErrors: [String: Counter] = [:]
    private var rateLimited: [String: Counter] = [:]
    private var dpopProofs: [String: Counter] = [:]

    public init(shared: GatewayMetrics) {
        self.shared = shared
    }

    /// Adds verified-token cache hits and misses counted on the loop since the last report.
    public func recordTokenCache(hits: UInt64, misses: UInt64) {
        if hits > 0 { self.shared.tokenCacheHits.increment(by: Int64(hits)) }
        if misses > 0 { self.shared.tokenCacheMisses.increment(by: Int64(misses)) }
    }

    public func connectionOpened() {
        self.shared.connectionsActive.increment()
    }

    public func connectionClosed() {
        self.shared.connectionsActive.decrement()
    }

    /// Counts one DPoP request by `result` (`gateway_dpop_proofs_total`).
    public func recordDPoPProof(result: String) {
        if let cached = self.dpopProofs[result] {
            cached.increment()
        } else {
            let counter = self.shared.dpopProofs(result: result)
            self.dpopProofs[result] = counter
            counter.increment()
        }
    }

    /// Counts one finished request and its duration.
    public func recordRequest(route: String?, decision: String, reason: String, durationNanoseconds: Int64) {
        let routeName = route ?? ""
        let series: LastRequest
        if let last = self.lastRequest, last.matches(route: routeName, decision: decision, reason: reason) {
            series = last
        } else {
            let key = RequestKey(route: routeName, decision: decision, reason: reason)
            series = LastRequest(key: key, counter: self.requestCounter(key), histogram: self.durationHistogram(key.route))
            self.lastRequest = series
        }
        series.counter.increment()
        series.histogram.record(nanoseconds: durationNanoseconds)
    }

    private func requestCounter(_ key: RequestKey) -> Counter {
        if let cached = self.requests[key] { return cached }
        let counter = self.shared.requests(route: key.route, decision: key.decision, reason: key.reason)
        self.requests[key] = counter
        return counter
    }

    private func durationHistogram(_ route: String) -> DurationHistogramShard {
        if let cached = self.durations[route] { return cached }
        let histogram = self.shared.requestDuration(route: route)
        self.durations[route] = histogram
        return histogram
    }

    public func recordUpstream(_ upstream: String, durationNanoseconds: Int64) {
        if let last = self.lastUpstream, last.name == upstream {
            last.histogram.record(nanoseconds: durationNanoseconds)
            return
        }
        let histogram: DurationHistogramShard
        if let cached = self.upstreamDurations[upstream] {
            histogram = cached
        } else {
            histogram = self.shared.upstreamDuration(upstream: upstream)
            self.upstreamDurations[upstream] = histogram
        }
        self.lastUpstream = (upstream, histogram)
        histogram.record(nanoseconds: durationNanoseconds)
    }

    public func recordUpstreamError(_ upstream: String, kind: String) {
        let key = upstream + "\u{0}" + kind
        if let cached = self.upstreamErrors[key] {
            cached.increment()
        } else {
            let counter = self.shared.upstreamErrors(upstream: upstream, kind: kind)
            self.upstreamErrors[key] = counter
            counter.increment()
        }
    }

    /// Counts one request refused 429 `rate_limited` on `route` (`gateway_rate_limited_total`).
    public func recordRateLimited(route: String) {
        if let cached = self.rateLimited[route] {
            cached.increment()
        } else {
            let counter = self.shared.rateLimited(route: route)
            self.rateLimited[route] = counter
            counter.increment()
        }
    }

    /// Counts one rate-limit decision taken on local buckets because Redis did not answer
    /// (`gateway_rate_limit_local_fallback_total`).
    public func recordRateLimitFallback() {
        self.shared.rateLimitFallbacks.increment()
    }
}

@available(*, unavailable)
extension LoopMetrics: Sendable {}
