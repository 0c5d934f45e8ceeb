import Testing

@testable import GatewayMetrics

/// The series added for shared state: their names, labels and recording functions.
@Suite struct GatewayMetricsTests {
    static func text(_ metrics: GatewayMetrics) -> String {
        String(decoding: metrics.exposition(), as: UTF8.self)
    }

    @Test func redisAndLimiterSeries() {
        let metrics = GatewayMetrics()
        metrics.redis.recordRoundTrip(nanoseconds: 150_000)
        metrics.redis.recordRoundTrip(nanoseconds: 3_000_000)
        metrics.redis.recordError(kind: "timeout")
        metrics.redis.recordError(kind: "timeout")
        metrics.redis.recordError(kind: "something-new")
        metrics.redis.connectionsActive.increment()
        metrics.replayStoreUnavailable.increment()
        metrics.replayStoreCapacity.set(Int64(1_000))
        let loop = LoopMetrics(shared: metrics)
        loop.recordRateLimited(route: "orders")
        loop.recordRateLimited(route: "orders")
        loop.recordRateLimited(route: "public")
        loop.recordRateLimitFallback()
        let text = Self.text(metrics)
        #expect(text.contains("gateway_redis_command_duration_seconds_count 2"))
        #expect(text.contains("gateway_redis_command_duration_seconds_bucket{le=\"0.00025\"} 1"))
        #expect(text.contains("gateway_redis_errors_total{kind=\"timeout\"} 2"))
        #expect(text.contains("gateway_redis_errors_total{kind=\"connect\"} 0"))
        #expect(text.contains("gateway_redis_errors_total{kind=\"something-new\"} 1"))
        #expect(text.contains("gateway_redis_connections_active 1"))
        #expect(text.contains("gateway_replay_store_unavailable_total 1"))
        #expect(text.contains("gateway_replay_store_capacity 1000"))
        #expect(text.contains("gateway_rate_limited_total{route=\"orders\"} 2"))
        #expect(text.contains("gateway_rate_limited_total{route=\"public\"} 1"))
        #expect(text.contains("gateway_rate_limit_local_fallback_total 1"))
    }
}
