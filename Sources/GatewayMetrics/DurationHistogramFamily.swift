import Prometheus
import Synchronization

/// A histogram of durations with one label — `gateway_request_duration_seconds{route}` and
/// `gateway_upstream_duration_seconds{upstream}` — kept as one shard per series and event loop,
/// and summed only when scraped.
///
/// Written here rather than taken from swift-prometheus: its `Histogram` keeps a series behind
/// one lock that every event loop serving the same route takes for each observation (two per
/// proxied request, about 1,500 instructions with its bucket loop), and its registry exposes only
/// the metrics it made itself. A shard is written by one event loop with relaxed atomic adds —
/// no lock, no cache line shared between loops — and read by the scrape. The text written is the
/// registry's own histogram format (the same `le` texts, cumulative buckets, `_sum`, `_count`),
/// appended after the registry's families by `GatewayMetrics.exposition()`.
public final class DurationHistogramFamily: Sendable {
    /// The metric's name, `gateway_…_seconds`.
    public let name: String
    let help: String
    let labelName: String
    /// The buckets' upper bounds, ascending.
    let bounds: DurationHistogramShard.Bounds
    /// Each bound as the `le` label writes it (`0.00025`, …): swift-prometheus's rendering.
    private let boundTexts: [String]
    /// The shards of each series, by label value. Locked only to add a shard (the first time a
    /// loop sees a route or upstream) and to scrape.
    private let series = Mutex<[String: [DurationHistogramShard]]>([:])

    init(name: String, help: String, labelName: String, buckets: [Duration]) {
        self.name = name
        self.help = help
        self.labelName = labelName
        self.bounds = DurationHistogramShard.Bounds(buckets)
        self.boundTexts = buckets.map(\.bucketRepresentation)
    }

    /// A new shard of the series labelled `labelValue`, for one event loop to record into.
    /// Every call makes another shard: callers keep theirs (`LoopMetrics` does, per loop).
    public func makeShard(_ labelValue: String) -> DurationHistogramShard {
        let shard = DurationHistogramShard(bounds: self.bounds)
        self.series.withLock { $0[labelValue, default: []].append(shard) }
        return shard
    }

    /// Appends the family in the Prometheus text format: nothing until a series exists.
    func emit(into buffer: inout [UInt8]) {
        let series = self.series.withLock { $0 }
        guard !series.isEmpty else { return }
        buffer.append(contentsOf: "# HELP \(self.name) \(self.help)\n".utf8)
        buffer.append(contentsOf: "# TYPE \(self.name) histogram\n".utf8)
        for labelValue in series.keys.sorted() {
            let total = DurationHistogramShard.Snapshot(summing: series[labelValue] ?? [], buckets: self.bounds.count)
            let label = "\(self.labelName)=\"\(Self.escaped(labelValue))\""
            var cumulative: UInt64 = 0
            for (index, text) in self.boundTexts.enumerated() {
                cumulative &+= total.counts[index]
                buffer.append(contentsOf: "\(self.name)_bucket{\(label),le=\"\(text)\"} \(cumulative)\n".utf8)
            }
            buffer.append(contentsOf: "\(self.name)_bucket{\(label),le=\"+Inf\"} \(total.count)\n".utf8)
            let sum = Duration.nanoseconds(total.sumNanoseconds).bucketRepresentation
            buffer.append(contentsOf: "\(self.name)_sum{\(label)} \(sum)\n".utf8)
            buffer.append(contentsOf: "\(self.name)_count{\(label)} \(total.count)\n".utf8)
        }
    }

    /// A label value in the text format: backslash, double quote and line feed escaped.
    static func escaped(_ value: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count)
        for character in value.unicodeScalars {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }
}
