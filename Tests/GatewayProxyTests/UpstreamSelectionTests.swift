import GatewayMetrics
import GatewayPolicy
import GatewayRules
import GatewayTestSupport
import Logging
import NIOEmbedded
import Testing

@testable import GatewayProxy

/// How a loop picks a route's upstream, target and pool: the shortcuts (the route's upstream by
/// index, the last pool remembered) must pick what the named lookups pick, before and after a
/// reload.
struct UpstreamSelectionTests {
    private static func rules(targets: [UInt16], secondUpstream: Bool = false) -> Rules {
        var upstreams = [UpstreamRule(name: "up", targets: targets.map { UpstreamTarget(host: "127.0.0.1", port: Int($0)) })]
        if secondUpstream {
            upstreams.insert(UpstreamRule(name: "other", targets: [UpstreamTarget(host: "127.0.0.2", port: 9)]), at: 0)
        }
        var routes = [RouteRule(name: "public", path: .prefix("/public"), upstream: "up", isPublic: true)]
        if secondUpstream {
            routes.insert(RouteRule(name: "first", path: .prefix("/first"), upstream: "other", isPublic: true), at: 0)
        }
        return Rules(sourcePath: "test.conf", upstreams: upstreams, routes: routes)
    }

    private static func context(_ configuration: ProxyConfiguration) -> LoopContext {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return LoopContext(eventLoop: EmbeddedEventLoop(), configuration: configuration, metrics: GatewayMetrics(), logger: logger)
    }

    private static func allowance(_ configuration: ProxyConfiguration, _ path: String) throws -> Allowance {
        let decision = configuration.policy.decide(
            PolicyRequest(method: .GET, target: path, host: "a.example", headers: .init()),
            context: PolicyContext(now: 1_800_000_000)
        )
        guard case .allow(let allowance) = decision else { throw SelectionError.notAllowed }
        return allowance
    }

    private enum SelectionError: Error { case notAllowed }

    @Test func eachRouteFindsItsOwnUpstream() throws {
        let configuration = try ProxyConfiguration(rules: Self.rules(targets: [9], secondUpstream: true), auditSink: RecordingAuditSink())
        let first = try Self.allowance(configuration, "/first/a")
        let public_ = try Self.allowance(configuration, "/public/a")
        #expect(configuration.upstream(of: first.route)?.rule.name == "other")
        #expect(configuration.upstream(of: public_.route)?.rule.name == "up")
        #expect(configuration.upstream(of: public_.route) === configuration.upstreams["up"])
    }

    @Test func aReloadKeepsTheTargetsPoolAndDropsARemovedOne() throws {
        let before = try ProxyConfiguration(rules: Self.rules(targets: [9, 10]), auditSink: RecordingAuditSink())
        let context = Self.context(before)
        let allowance = try Self.allowance(before, "/public/a")
        let first = try #require(context.selectUpstream(for: allowance, in: before))
        let second = try #require(context.selectUpstream(for: allowance, in: before))
        #expect(first.target.label != second.target.label)  // round robin over two targets
        let again = try #require(context.selectUpstream(for: allowance, in: before))
        #expect(again.target === first.target)
        #expect(again.pool === first.pool)

        // The same target in a new configuration: new objects, the same pool (its idle
        // connections survive the reload). A target no longer named loses its pool.
        let after = try ProxyConfiguration(rules: Self.rules(targets: [9]), auditSink: RecordingAuditSink())
        context.apply(after)
        let reloaded = try Self.allowance(after, "/public/a")
        let kept = try #require(context.selectUpstream(for: reloaded, in: after))
        #expect(kept.target !== first.target)
        #expect(kept.target.label == first.target.label)
        #expect(kept.pool === first.pool)
        let back = try ProxyConfiguration(rules: Self.rules(targets: [10]), auditSink: RecordingAuditSink())
        context.apply(back)
        let onlyTen = try #require(context.selectUpstream(for: try Self.allowance(back, "/public/a"), in: back))
        #expect(onlyTen.target.label == "127.0.0.1:10")
        #expect(onlyTen.pool !== second.pool)  // the pool of 127.0.0.1:10 was dropped when it left
    }
}
