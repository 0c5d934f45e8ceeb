// GatewayMetrics owns the Prometheus metrics of SPEC §6: their names, labels and buckets, and
// the per-event-loop caches that keep their lookups off any shared lock.
public import Prometheus
import Synchronization

/// The gateway's metrics, registered in one Prometheus registry (SPEC §6 names, fixed).
///
/// Counters are atomics; labelled series are created once and then cached per event loop by
/// `LoopMetrics`, so recording a request costs no allocation and no registry lookup in steady
/// state. The two duration histograms a request records into are kept per event loop
/// (`DurationHistogramFamily`), so a request takes no lock another loop could hold.
public final class GatewayMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// Run before each scrape, to bring in figures kept elsewhere (audit writer, caches).
    private let collectors = Mutex<[@Sendable () -> Void]>([])

    public let connectionsActive: Gauge
    public let replayStoreEntries: Gauge
    /// `gateway_replay_store_capacity`: `[replay] capacity`, so a dashboard can show the fill
    /// (`entries / capacity`); 0 for a Redis store, which has no capacity of its own.
    public let replayStoreCapacity: Gauge
    public let tokenCacheHits: Counter
    public let tokenCacheMisses: Counter
    public let auditRecords: Counter
    public let auditQueueDepth: Gauge
    public let reloadsSucceeded: Counter
    public let reloadsFailed: Counter
    public let rateLimitFallbacks: Counter
    /// `gateway_replay_store_unavailable_total`: claims and lookups the replay store could not
    /// answer (Redis unreachable or slow past its timeout): each one a 503
    /// `replay_store_unavailable`.
    public let replayStoreUnavailable: Counter
    /// The Redis client's series.
    public let redis: RedisMetrics
    /// `gateway_request_duration_seconds{route}`.
    public let requestDurations: DurationHistogramFamily
    /// `gateway_upstream_duration_seconds{upstream}`.
    public let upstreamDurations: DurationHistogramFamily

    /// Request durations: 250 µs to 30 s.
    static let durationBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30),
    ]

    /// `gateway_<metric>_<unit>` with its help text.
    static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "gateway", metricName: metric, unitName: unit, helpText: help)
    }

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.connectionsActive = registry.makeGauge(
            descriptor: Self.name("connections", "active", "Open downstream connections."),
        )
        self.replayStoreEntries = registry.makeGauge(
            descriptor: Self.name("replay_store", "entries", "Nonces and revocations held by the replay store."),
        )
        self.replayStoreCapacity = registry.makeGauge(
            descriptor: Self.name("replay_store", "capacity", "Entries the replay store holds at most ([replay] capacity)."),
        )
        self.tokenCacheHits = registry.makeCounter(
            descriptor: Self.name("token_cache_hits", "total", "Verified-token cache hits."),
        )
        self.tokenCacheMisses = registry.makeCounter(
            descriptor: Self.name("token_cache_misses", "total", "Verified-token cache misses (full verifications)."),
        )
        self.auditRecords = registry.makeCounter(
            descriptor: Self.name("audit_records", "total", "Audit records written."),
        )
        self.auditQueueDepth = registry.makeGauge(
            descriptor: Self.name("audit_queue", "depth", "Audit records accepted but not yet written."),
        )
        self.reloadsSucceeded = registry.makeCounter(
            descriptor: Self.name("config_reloads", "total", "Rules reloads by result."),
            labels: [("result", "success")],
        )
        self.reloadsFailed = registry.makeCounter(
            descriptor: Self.name("config_reloads", "total", "Rules reloads by result."),
            labels: [("result", "error")],
        )
        self.rateLimitFallbacks = registry.makeCounter(
            descriptor: Self.name("rate_limit_local_fallback", "total", "Rate-limit decisions taken on local buckets because the shared store was unreachable."),
        )
        self.replayStoreUnavailable = registry.makeCounter(
            descriptor: Self.name(
                "replay_store_unavailable",
                "total",
                "Replay-store claims and lookups that could not be answered (store unreachable or past its timeout)."
            ),
        )
        self.redis = RedisMetrics(registry: registry)
        self.requestDurations = DurationHistogramFamily(
            name: "gateway_request_duration_seconds",
            help: "Time from the request head to the end of the response, by route.",
            labelName: "route",
            buckets: Self.durationBuckets
        )
        self.upstreamDurations = DurationHistogramFamily(
            name: "gateway_upstream_duration_seconds",
            help: "Time from sending a request upstream to the end of its response.",
            labelName: "upstream",
            buckets: Self.durationBuckets
        )
    }

    /// `gateway_requests_total{route,decision,reason}`.
    public func requests(route: String, decision: String, reason: String) -> Counter {
        self.registry.makeCounter(
            descriptor: Self.name("requests", "total", "Requests by route, decision and reason."),
            labels: [("route", route), ("decision", decision), ("reason", reason)],
        )
    }

    /// A new shard of `gateway_request_duration_seconds{route}`, for one event loop.
    public func requestDuration(route: String) -> DurationHistogramShard {
        self.requestDurations.makeShard(route)
    }

    /// A new shard of `gateway_upstream_duration_seconds{upstream}`, for one event loop.
    public func upstreamDuration(upstream: String) -> DurationHistogramShard {
        self.upstreamDurations.makeShard(upstream)
    }

    /// `gateway_upstream_errors_total{upstream,kind}`: kind is `connect`, `timeout` or `reset`.
    public func upstreamErrors(upstream: String, kind: String) -> Counter {
        self.registry.makeCounter(
            descriptor: Self.name("upstream_errors", "total", "Upstream failures by upstream and kind."),
            labels: [("upstream", upstream), ("kind", kind)],
        )
    }

    /// Counts one claim or lookup the replay store could not answer
    /// (`gateway_replay_store_unavailable_total`).
    public func recordReplayStoreUnavailable() {
        self.replayStoreUnavailable.increment()
    }

    /// Counts one rate-limit decision taken on local buckets because the shared store did not
    /// answer (`gateway_rate_limit_local_fallback_total`).
    public func recordRateLimitFallback() {
        self.rateLimitFallbacks.increment()
    }

    /// `gateway_rate_limited_total{route}`: requests answered 429 `rate_limited`.
    public func rateLimited(route: String) -> Counter {
        self.registry.makeCounter(
            descriptor: Self.name("rate_limited", "total", "Requests refused 429 rate_limited, by route."),
            labels: [("route", route)],
        )
    }

    /// `gateway_dpop_proofs_total{result}`: DPoP requests by outcome — `accepted` (the proof
    /// verified and was fresh), or the reason it was refused: `invalid_dpop_proof`,
    /// `dpop_required`, `replayed_nonce`.
    public func dpopProofs(result: String) -> Counter {
        self.registry.makeCounter(
            descriptor: Self.name("dpop_proofs", "total", "DPoP proofs accepted, and refusals by reason."),
            labels: [("result", result)],
        )
    }

    /// Registers a closure run before each scrape (it sets gauges or adds counter deltas).
    public func addCollector(_ collector: @escaping @Sendable () -> Void) {
        self.collectors.withLock { $0.append(collector) }
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> [UInt8] {
        for collector in self.collectors.withLock({ $0 }) { collector() }
        var buffer = self.registry.emitToBuffer()
        self.requestDurations.emit(into: &buffer)
        self.upstreamDurations.emit(into: &buffer)
        return buffer
    }
}
