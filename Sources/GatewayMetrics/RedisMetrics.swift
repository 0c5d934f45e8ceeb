public import Prometheus

/// The Redis client's series: command round-trip time, errors by kind, and open connections.
/// Every series is made when the gateway starts (the error kinds at zero, so a rate over them is
/// defined before the first error), so recording is one atomic add or one histogram update — no
/// registry lookup on the request path.
public final class RedisMetrics: Sendable {
    /// The `kind` label values of `gateway_redis_errors_total` (GatewayRedis's `RedisError.kind`).
    public static let errorKinds = [
        "connect", "auth", "timeout", "closed", "unavailable", "server", "protocol", "overloaded", "shutdown",
    ]

    /// Command round trips: 50 µs to 5 s (a local Redis answers in tens of microseconds).
    static let roundTripBuckets: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
        .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
    ]

    /// `gateway_redis_command_duration_seconds`: from writing a command to reading its reply.
    public let roundTrip: DurationHistogram
    /// `gateway_redis_connections_active`: connections established (after AUTH and SELECT).
    public let connectionsActive: Gauge
    private let errors: [String: Counter]
    private let registry: PrometheusCollectorRegistry

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        self.roundTrip = registry.makeDurationHistogram(
            descriptor: GatewayMetrics.name(
                "redis_command_duration",
                "seconds",
                "Redis command round-trip time, from writing the command to reading its reply."
            ),
            buckets: Self.roundTripBuckets,
        )
        self.connectionsActive = registry.makeGauge(
            descriptor: GatewayMetrics.name("redis_connections", "active", "Open Redis connections (one per event loop)."),
        )
        var errors: [String: Counter] = [:]
        for kind in Self.errorKinds {
            errors[kind] = Self.makeErrorCounter(kind: kind, registry: registry)
        }
        self.errors = errors
    }

    private static func makeErrorCounter(kind: String, registry: PrometheusCollectorRegistry) -> Counter {
        registry.makeCounter(
            descriptor: GatewayMetrics.name(
                "redis_errors",
                "total",
                "Redis commands that failed, and connection attempts that failed, by kind."
            ),
            labels: [("kind", kind)],
        )
    }

    /// One command's round trip.
    @inlinable
    public func recordRoundTrip(nanoseconds: Int64) {
        self.roundTrip.recordNanoseconds(nanoseconds)
    }

    /// A connection established (after AUTH and SELECT).
    public func connectionOpened() {
        self.connectionsActive.increment()
    }

    /// An established connection lost or closed.
    public func connectionClosed() {
        self.connectionsActive.decrement()
    }

    /// One failure of `kind` (see `errorKinds`).
    public func recordError(kind: String) {
        if let counter = self.errors[kind] {
            counter.increment()
        } else {
            Self.makeErrorCounter(kind: kind, registry: self.registry).increment()
        }
    }
}
