import GatewayPolicy
import GatewayRules
import NIOHTTP1
import Testing

/// The policy's first checks — path and route — without sockets.
@Suite struct PolicyRoutingTests {
    private let policy = try! Policy(
        rules: Rules(
            sourcePath: "test.conf",
            upstreams: [UpstreamRule(name: "up", targets: [UpstreamTarget(host: "127.0.0.1", port: 9)])],
            routes: [
                RouteRule(name: "public", path: .prefix("/public"), methods: ["GET"], upstream: "up", isPublic: true),
                RouteRule(name: "api", path: .prefix("/api"), upstream: "up", stripPrefix: true, isPublic: true),
                RouteRule(name: "private", path: .prefix("/private"), upstream: "up"),
            ]
        )
    )

    private func decide(_ method: HTTPMethod, _ target: String) -> Decision {
        self.policy.decide(
            PolicyRequest(method: method, target: target, host: "a.example", headers: HTTPHeaders()),
            context: PolicyContext(now: 1_800_000_000)
        )
    }

    private func denial(_ decision: Decision) -> Denial? {
        if case .deny(let denial) = decision { return denial }
        return nil
    }

    @Test func publicRouteIsAllowedWithNormalisedPath() throws {
        guard case .allow(let allowance) = self.decide(.GET, "/public/./a//b?x=1") else {
            Issue.record("expected allow")
            return
        }
        #expect(allowance.route.name == "public")
        #expect(allowance.path == "/public/a/b")
        #expect(allowance.upstreamTarget == "/public/a/b?x=1")
        #expect(allowance.identity == nil)
    }

    /// An allowance shares its fields between copies until one is changed (copy on write):
    /// a change to a copy never shows in the original.
    @Test func anAllowanceIsAValue() throws {
        guard case .allow(let original) = self.decide(.GET, "/public/a") else {
            Issue.record("expected allow")
            return
        }
        var copy = original
        copy.path = "/changed"
        copy.identity = Identity(kind: "jwt", id: "k", subject: "s", scopes: ["a"])
        copy.replayNonce = ReplayNonce(scope: "jwt:k", value: "n", expiresAt: 1)
        copy.claimHeaders = [(name: "x-tenant", value: "t")]
        #expect(original.path == "/public/a")
        #expect(original.identity == nil)
        #expect(original.replayNonce == nil)
        #expect(original.claimHeaders.isEmpty)
        #expect(copy.path == "/changed")
        #expect(copy.identity?.subject == "s")
        #expect(copy.replayNonce?.value == "n")
        #expect(copy.claimHeaders.map(\.name) == ["x-tenant"])
        #expect(copy.route === original.route)
        var second = copy
        second.upstreamTarget = "/other"
        #expect(copy.upstreamTarget == "/public/a")
        #expect(second.identity?.subject == "s")
    }

    @Test func stripPrefixKeepsTheQuery() throws {
        guard case .allow(let allowance) = self.decide(.POST, "/api/v1/items?q=%2F") else {
            Issue.record("expected allow")
            return
        }
        #expect(allowance.upstreamTarget == "/v1/items?q=%2F")
    }

    @Test func protectedRouteFailsClosed() throws {
        let denial = try #require(self.denial(self.decide(.GET, "/private/x")))
        #expect(denial.reason == .missingCredential)
        #expect(denial.status == 401)
        #expect(denial.routeName == "private")
        #expect(denial.headers.contains { $0.0 == "WWW-Authenticate" && $0.1 == #"Bearer realm="gateway""# })
    }

    @Test func dotSegmentsCannotReachAnotherRoutesUpstream() throws {
        let denial = try #require(self.denial(self.decide(.GET, "/public/../private/x")))
        #expect(denial.reason == .missingCredential)
        #expect(denial.path == "/private/x")
        #expect(try #require(self.denial(self.decide(.GET, "/public/../../x"))).reason == .badPath)
        #expect(try #require(self.denial(self.decide(.GET, "/public%2F..%2Fprivate"))).reason == .badPath)
    }

    @Test func methodAndRouteFailures() throws {
        let notAllowed = try #require(self.denial(self.decide(.DELETE, "/public/x")))
        #expect(notAllowed.reason == .methodNotAllowed)
        #expect(notAllowed.headers.contains { $0.0 == "Allow" && $0.1 == "GET, HEAD" })
        #expect(try #require(self.denial(self.decide(.GET, "/other"))).reason == .noRoute)
    }

    @Test func traceRecordsEachCheck() {
        var trace = PolicyTrace(enabled: true)
        _ = self.policy.decide(
            PolicyRequest(method: .GET, target: "/private/x", host: nil, headers: HTTPHeaders()),
            context: PolicyContext(now: 1_800_000_000),
            trace: &trace
        )
        #expect(trace.steps.map(\.check) == ["path", "route", "credential"])
        #expect(trace.steps.last?.passed == false)
    }

    @Test func everyReasonHasTheStatusSPECAssigns() {
        #expect(DenyReason.badPath.status == 400)
        #expect(DenyReason.insufficientScope.status == 403)
        #expect(DenyReason.headersTooLarge.status == 431)
        #expect(DenyReason.replayStoreUnavailable.status == 503)
        #expect(DenyReason.upstreamTimeout.status == 504)
        #expect(DenyReason.invalidClient.status == 401)
        #expect(Set(DenyReason.allCases.map(\.rawValue)).count == DenyReason.allCases.count)
    }
}
