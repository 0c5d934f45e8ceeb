import GatewayCredentials
import GatewayPolicy
import GatewayRules
import NIOCore

@testable import GatewayProxy

/// Values for driving `ExchangeStateMachine` without sockets.
enum ExchangeFixtures {
    static let limits = ExchangeStateMachine.Limits(maxBodyBytes: 1000, discardLimit: 100)

    static func route(
        replay: ReplayRequirement = .off,
        rateLimit: RateLimitRule? = nil,
        isPublic: Bool = false
    ) -> CompiledRoute {
        let upstream = UpstreamRule(name: "orders", targets: [UpstreamTarget(host: "127.0.0.1", port: 9000)])
        let rule = RouteRule(
            name: "orders",
            path: .prefix("/orders"),
            upstream: "orders",
            replay: replay,
            rateLimit: rateLimit,
            isPublic: isPublic
        )
        return CompiledRoute(rule: rule, upstream: upstream, index: 0)
    }

    static let identity = Identity(kind: "jwt", id: "k1", subject: "alice", scopes: ["orders:read"], jti: "j1")

    static func allowance(
        replayNonce: ReplayNonce? = nil,
        digest: ContentDigest? = nil,
        rateLimit: RateLimitRule? = nil
    ) -> Allowance {
        var allowance = Allowance(
            route: self.route(rateLimit: rateLimit),
            path: "/orders/1",
            upstreamTarget: "/orders/1",
            identity: self.identity
        )
        allowance.replayNonce = replayNonce
        allowance.contentDigest = digest
        return allowance
    }

    static func bytes(_ text: String) -> ByteBuffer {
        ByteBuffer(string: text)
    }

    static func machine(_ request: ExchangeRequest) -> ExchangeStateMachine {
        ExchangeStateMachine(request: request, limits: self.limits)
    }
}

extension ExchangeAction {
    /// A short name of the case, for comparing in tests.
    var name: String {
        switch self {
        case .none: return "none"
        case .writeContinue: return "writeContinue"
        case .lookUpRevocation: return "lookUpRevocation"
        case .claimNonce: return "claimNonce"
        case .checkRateLimit: return "checkRateLimit"
        case .connect(let fresh): return fresh ? "connect(fresh)" : "connect"
        case .sendRequest: return "sendRequest"
        case .forwardBody: return "forwardBody"
        case .forwardEnd: return "forwardEnd"
        case .answerLocally: return "answerLocally"
        case .writeResponseHead: return "writeResponseHead"
        case .writeResponseBody: return "writeResponseBody"
        case .endResponse: return "endResponse"
        case .respond: return "respond"
        case .cut: return "cut"
        case .abandon: return "abandon"
        }
    }

    /// The reason of a local refusal, and what becomes of the rest of the request.
    var refusal: (reason: DenyReason, then: RequestDisposition)? {
        guard case .respond(.denial(let denial), let then) = self else { return nil }
        return (denial.reason, then)
    }
}
