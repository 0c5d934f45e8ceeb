import Foundation
import GatewayTestSupport
import Testing

@testable import GatewayMetrics

/// The Grafana dashboard (deploy/grafana) and the Prometheus alert rules (deploy/prometheus):
/// every expression names only metrics the gateway exports — gathered from `GatewayMetrics`
/// itself — and the rules pass `promtool check rules` and their own `promtool test rules`.
@Suite struct DeployFilesTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let dashboard = repository.appendingPathComponent("deploy/grafana/gateway-dashboard.json")
    static let alertRules = repository.appendingPathComponent("deploy/prometheus/gateway-alerts.yaml")
    static let alertTests = repository.appendingPathComponent("deploy/prometheus/gateway-alerts.test.yaml")

    /// Series Prometheus makes itself for every scrape target, which rules may use.
    static let scrapeSeries: Set<String> = ["up"]

    /// Every series name the gateway's `/metrics` can hold: each family of `GatewayMetrics`
    /// (labelled ones made once with sample labels), read back from the exposition's `# TYPE`
    /// lines; a histogram adds its `_bucket`, `_sum` and `_count`.
    static func exportedNames() -> Set<String> {
        let metrics = GatewayMetrics()
        _ = metrics.requests(route: "r", decision: "allow", reason: "ok")
        _ = metrics.requestDuration(route: "r")
        _ = metrics.upstreamDuration(upstream: "u")
        _ = metrics.upstreamErrors(upstream: "u", kind: "connect")
        _ = metrics.rateLimited(route: "r")
        var names: Set<String> = []
        for line in String(decoding: metrics.exposition(), as: UTF8.self).split(separator: "\n") where line.hasPrefix("# TYPE ") {
            let parts = line.split(separator: " ")
            guard parts.count == 4 else { continue }
            let name = String(parts[2])
            if parts[3] == "histogram" {
                names.formUnion([name + "_bucket", name + "_sum", name + "_count"])
            } else {
                names.insert(name)
            }
        }
        return names
    }

    /// The metric names a PromQL expression reads: identifiers that are not functions,
    /// aggregations, keywords, label names (in `{…}` or `by (…)`), strings, ranges or Grafana
    /// variables.
    static func metricNames(in expression: String) -> Set<String> {
        var text = expression
        for pattern in [#""(?:[^"\\]|\\.)*""#, #"'(?:[^'\\]|\\.)*'"#, #"\{[^}]*\}"#, #"\[[^\]]*\]"#,
                        #"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)"#, #"\$\{?\w+\}?"#] {
            text = text.replacingOccurrences(of: pattern, with: " ", options: .regularExpression)
        }
        let keywords: Set<String> = ["and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring",
                                     "group_left", "group_right", "inf", "nan", "Inf", "NaN"]
        let identifier = try! NSRegularExpression(pattern: #"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?"#)
        var names: Set<String> = []
        for match in identifier.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            guard match.range(at: 2).location == NSNotFound else { continue }  // a function call
            let name = String(text[Range(match.range(at: 1), in: text)!])
            if !keywords.contains(name) { names.insert(name) }
        }
        return names
    }

    @Test func theExtractorFindsMetricNamesOnly() {
        #expect(
            Self.metricNames(in: #"histogram_quantile(0.99, sum by (le, route) (rate(a_bucket{route=~"x|y"}[5m]))) / ignoring(le) b_total > 0.5"#)
                == ["a_bucket", "b_total"]
        )
        #expect(Self.metricNames(in: #"sum(rate(c_total{instance=~"$instance"}[$__rate_interval])) by (x) and on(instance) d"#) == ["c_total", "d"])
        #expect(Self.metricNames(in: "up{job=\"gateway\"} == 0") == ["up"])
    }

    @Test func exportedNamesIncludeSPECAndSharedStateSeries() {
        let names = Self.exportedNames()
        for name in [
            "gateway_requests_total", "gateway_request_duration_seconds_bucket", "gateway_upstream_duration_seconds_bucket",
            "gateway_upstream_errors_total", "gateway_replay_store_entries", "gateway_token_cache_hits_total",
            "gateway_token_cache_misses_total", "gateway_config_reloads_total", "gateway_audit_records_total",
            "gateway_connections_active", "gateway_rate_limited_total", "gateway_rate_limit_local_fallback_total",
            "gateway_redis_command_duration_seconds_bucket", "gateway_redis_errors_total", "gateway_redis_connections_active",
            "gateway_replay_store_unavailable_total", "gateway_replay_store_capacity",
        ] {
            #expect(names.contains(name), "\(name)")
        }
    }

    /// Every string named `expr` (panel targets, annotations) anywhere in the JSON, and the
    /// metric of each `label_values(metric, label)` template query.
    static func dashboardExpressions() throws -> (expressions: [String], templateMetrics: [String]) {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.dashboard))
        var expressions: [String] = []
        var templateMetrics: [String] = []
        func walk(_ value: Any, key: String?) {
            if let object = value as? [String: Any] {
                for (key, child) in object { walk(child, key: key) }
            } else if let array = value as? [Any] {
                for child in array { walk(child, key: key) }
            } else if let text = value as? String {
                if key == "expr" { expressions.append(text) }
                if key == "query" || key == "definition", let range = text.range(of: #"label_values\(\s*([a-zA-Z_:][\w:]*)"#, options: .regularExpression) {
                    templateMetrics.append(String(text[range].dropFirst("label_values(".count)).trimmingCharacters(in: .whitespaces))
                }
            }
        }
        walk(json, key: nil)
        return (expressions, templateMetrics)
    }

    @Test func theDashboardReadsOnlyExportedMetrics() throws {
        let exported = Self.exportedNames()
        let (expressions, templateMetrics) = try Self.dashboardExpressions()
        #expect(expressions.count >= 20)
        #expect(!templateMetrics.isEmpty)
        var used: Set<String> = []
        for expression in expressions {
            let names = Self.metricNames(in: expression)
            #expect(!names.isEmpty, "no metric in \(expression)")
            for name in names {
                #expect(exported.contains(name), "the dashboard reads \(name), which the gateway does not export: \(expression)")
            }
            used.formUnion(names)
        }
        for name in templateMetrics { #expect(exported.contains(name), "template variable over \(name)") }
        // What the dashboard must show (issue 12): requests by route and decision, deny reasons,
        // p50/p99, upstream errors, replay-store fill, token-cache hit ratio, reloads, rate limits.
        for name in [
            "gateway_requests_total", "gateway_request_duration_seconds_bucket", "gateway_upstream_errors_total",
            "gateway_replay_store_entries", "gateway_replay_store_capacity", "gateway_token_cache_hits_total",
            "gateway_token_cache_misses_total", "gateway_config_reloads_total", "gateway_rate_limited_total",
            "gateway_rate_limit_local_fallback_total", "gateway_redis_command_duration_seconds_bucket", "gateway_redis_errors_total",
        ] {
            #expect(used.contains(name), "the dashboard has no panel over \(name)")
        }
        let panels = try #require((try JSONSerialization.jsonObject(with: Data(contentsOf: Self.dashboard)) as? [String: Any])?["panels"] as? [[String: Any]])
        let ids = panels.compactMap { $0["id"] as? Int }
        #expect(Set(ids).count == panels.count, "panel ids are unique")
    }

    /// The `expr:` lines of the rules file (each expression is on one line there).
    static func alertExpressions() throws -> [String] {
        try String(contentsOf: Self.alertRules, encoding: .utf8).split(separator: "\n").compactMap { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("expr:") else { return nil }
            return String(trimmed.dropFirst("expr:".count)).trimmingCharacters(in: .whitespaces)
        }
    }

    @Test func theAlertRulesReadOnlyExportedMetrics() throws {
        let exported = Self.exportedNames().union(Self.scrapeSeries)
        let expressions = try Self.alertExpressions()
        #expect(expressions.count >= 8)
        for expression in expressions {
            let names = Self.metricNames(in: expression)
            #expect(!names.isEmpty, "no metric in \(expression)")
            for name in names {
                #expect(exported.contains(name), "an alert reads \(name), which the gateway does not export: \(expression)")
            }
        }
    }

    static var promtool: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") + ["/usr/bin"] {
            let candidate = "\(directory)/promtool"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs promtool with `arguments` in deploy/prometheus; its exit status and output (standard
    /// output, then standard error).
    static func promtool(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let result = try await Command.run(
            Self.promtool!, arguments, directory: Self.alertRules.deletingLastPathComponent().path
        )
        return (result.status, result.standardOutput + result.standardError)
    }

    @Test(.enabled(if: Self.promtool != nil, "promtool is not installed (Debian package prometheus); skipping"))
    func promtoolChecksAndTestsTheRules() async throws {
        let check = try await Self.promtool(["check", "rules", "gateway-alerts.yaml"])
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("SUCCESS: \(try Self.alertExpressions().count) rules found"), "\(check.output)")
        let test = try await Self.promtool(["test", "rules", "gateway-alerts.test.yaml"])
        #expect(test.status == 0, "\(test.output)")
    }
}
