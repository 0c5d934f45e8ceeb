import Foundation
import Prometheus
import Testing

@testable import GatewayMetrics

/// The per-loop duration histograms: what they count, and that their text is what
/// swift-prometheus's own histogram writes for the same observations.
@Suite struct DurationHistogramFamilyTests {
    static let buckets: [Duration] = GatewayMetrics.durationBuckets

    static func text(_ family: DurationHistogramFamily) -> String {
        var buffer: [UInt8] = []
        family.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    /// swift-prometheus's text for one series holding `observations`, the reference.
    static func reference(_ metric: String, label: (String, String), help: String, _ observations: [Int64]) -> String {
        let registry = PrometheusCollectorRegistry()
        let descriptor = GatewayMetrics.name(metric, "seconds", help)
        let histogram = registry.makeDurationHistogram(descriptor: descriptor, labels: [label], buckets: Self.buckets)
        for value in observations { histogram.recordNanoseconds(value) }
        return registry.emitToString()
    }

    @Test("two loops' shards of one series are written as swift-prometheus writes their observations together")
    func shardsSumToTheReference() {
        let family = DurationHistogramFamily(name: "gateway_request_duration_seconds", help: "By route.", labelName: "route", buckets: Self.buckets)
        let first = family.makeShard("orders")
        let second = family.makeShard("orders")
        // On, below and above bounds; zero; past the last bound (+Inf only).
        let observations: [Int64] = [0, 1, 250_000, 250_001, 499_999, 1_000_000, 7_000_000, 30_000_000_000, 31_000_000_000, 123_456_789]
        for (index, value) in observations.enumerated() {
            (index.isMultiple(of: 2) ? first : second).record(nanoseconds: value)
        }
        let reference = Self.reference("request_duration", label: ("route", "orders"), help: "By route.", observations)
        #expect(Self.text(family) == reference)
        #expect(Self.text(family).contains(#"gateway_request_duration_seconds_count{route="orders"} 10"#))
        #expect(Self.text(family).contains(#"gateway_request_duration_seconds_bucket{route="orders",le="0.00025"} 3"#))
        #expect(Self.text(family).contains(#"gateway_request_duration_seconds_bucket{route="orders",le="30.0"} 9"#))
    }

    @Test("series are written in label order, each with its own counts; nothing before the first shard")
    func seriesAreSeparate() {
        let family = DurationHistogramFamily(name: "gateway_upstream_duration_seconds", help: "Upstream.", labelName: "upstream", buckets: Self.buckets)
        #expect(Self.text(family).isEmpty)
        family.makeShard("b").record(nanoseconds: 2_000_000)
        let a = family.makeShard("a")
        a.record(nanoseconds: 1_000)
        a.record(nanoseconds: 1_000)
        let text = Self.text(family)
        #expect(text.hasPrefix("# HELP gateway_upstream_duration_seconds Upstream.\n# TYPE gateway_upstream_duration_seconds histogram\n"))
        #expect(text.contains(#"gateway_upstream_duration_seconds_count{upstream="a"} 2"#))
        #expect(text.contains(#"gateway_upstream_duration_seconds_count{upstream="b"} 1"#))
        #expect(text.range(of: #"{upstream="a""#)!.lowerBound < text.range(of: #"{upstream="b""#)!.lowerBound)
    }

    @Test("label values are escaped as the text format asks")
    func labelValuesAreEscaped() {
        #expect(DurationHistogramFamily.escaped(#"a"b\c"# + "\nd") == #"a\"b\\c\nd"#)
        let family = DurationHistogramFamily(name: "gateway_x_seconds", help: "X.", labelName: "route", buckets: Self.buckets)
        family.makeShard(#"q"uote"#).record(nanoseconds: 1)
        let reference = Self.reference("x", label: ("route", #"q"uote"#), help: "X.", [1])
        #expect(Self.text(family) == reference)
    }

    @Test("shards recorded into from several threads at once lose no observation")
    func concurrentShardsLoseNothing() async {
        let family = DurationHistogramFamily(name: "y_seconds", help: "Y.", labelName: "route", buckets: Self.buckets)
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<4 {
                let shard = family.makeShard("r")
                group.addTask {
                    for index in 0..<10_000 { shard.record(nanoseconds: Int64((index * 7_919 + task) % 40_000_000)) }
                }
            }
        }
        #expect(Self.text(family).contains(#"y_seconds_count{route="r"} 40000"#))
    }
}
