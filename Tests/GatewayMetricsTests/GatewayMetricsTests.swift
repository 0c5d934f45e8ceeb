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

    /// The loop remembers the series it recorded last; alternating routes, outcomes and
    /// upstreams must still each land in their own series.
    @Test func alternatingSeriesAreEachCounted() {
        let metrics = GatewayMetrics()
        let loop = LoopMetrics(shared: metrics)
        for route in ["orders", "orders", "public", "orders", nil] {
            loop.recordRequest(route: route, decision: "allow", reason: "ok", durationNanoseconds: 1_000)
        }
        loop.recordRequest(route: "orders", decision: "deny", reason: "missing_credentials", durationNanoseconds: 1_000)
        for upstream in ["a", "a", "b", "a"] { loop.recordUpstream(upstream, durationNanoseconds: 2_000) }
        let text = Self.text(metrics)
        #expect(text.contains(#"gateway_requests_total{route="orders",decision="allow",reason="ok"} 3"#))
        #expect(text.contains(#"gateway_requests_total{route="public",decision="allow",reason="ok"} 1"#))
        #expect(text.contains(#"gateway_requests_total{route="",decision="allow",reason="ok"} 1"#))
        #expect(text.contains(#"gateway_requests_total{route="orders",decision="deny",reason="missing_credentials"} 1"#))
        #expect(text.contains(#"gateway_request_duration_seconds_count{route="orders"} 4"#))
        #expect(text.contains(#"gateway_upstream_duration_seconds_count{upstream="a"} 3"#))
        #expect(text.contains(#"gateway_upstream_duration_seconds_count{upstream="b"} 1"#))
    }
}
