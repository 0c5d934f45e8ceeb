import GatewayPolicy
import GatewayReplay
import GatewayRules
import Testing

@testable import GatewayProxy

/// What the proxy does with an allowed DPoP request, without sockets: the proof's `jti` is
/// claimed after the request's own nonce, and either refusal stops the request; the route's
/// `claims_to_headers` names are removed from client trailers.
struct DPoPExchangeTests {
    typealias F = ExchangeFixtures

    private static let get = ExchangeRequest(body: .none, isHEAD: false, isIdempotent: true)
    private static let nonce = ReplayNonce(scope: "jwt:k1", value: "j1", expiresAt: 500)
    private static let proof = ReplayNonce(scope: "dpop:thumb", value: "proof-jti", expiresAt: 400)

    private static func allowance(nonce: ReplayNonce?) -> Allowance {
        var allowance = F.allowance(replayNonce: nonce)
        allowance.dpopNonce = Self.proof
        return allowance
    }

    @Test func theProofIsClaimedAfterTheNonceAndThenTheRequestGoesOn() {
        var machine = F.machine(Self.get)
        guard case .claimNonce(let first) = machine.start(.allow(Self.allowance(nonce: Self.nonce))) else {
            Issue.record("the nonce is claimed first")
            return
        }
        #expect(first == Self.nonce)
        guard case .claimNonce(let second) = machine.nonceClaimed(.fresh) else {
            Issue.record("then the proof's jti")
            return
        }
        #expect(second == Self.proof)
        #expect(machine.nonceClaimed(.fresh).name == "connect")
    }

    @Test func withoutANonceOnlyTheProofIsClaimed() {
        var machine = F.machine(Self.get)
        guard case .claimNonce(let claimed) = machine.start(.allow(Self.allowance(nonce: nil))) else {
            Issue.record("the proof's jti is claimed")
            return
        }
        #expect(claimed == Self.proof)
        #expect(machine.nonceClaimed(.fresh).name == "connect")
    }

    @Test(arguments: [(ReplayOutcome.replayed, DenyReason.replayedNonce), (.full, .replayStoreFull), (.unavailable, .replayStoreUnavailable)])
    func aProofTheStoreRefusesRefusesTheRequest(outcome: ReplayOutcome, reason: DenyReason) {
        var machine = F.machine(Self.get)
        _ = machine.start(.allow(Self.allowance(nonce: Self.nonce)))
        _ = machine.nonceClaimed(.fresh)
        let action = machine.nonceClaimed(outcome)
        #expect(action.name == "respond")
        #expect(machine.record.reason == .refused(reason))
    }

    @Test func claimHeaderNamesAreRemovedFromTrailersInAnyCase() {
        let rule = RouteRule(
            name: "orders",
            path: .prefix("/orders"),
            upstream: "orders",
            claimsToHeaders: [ClaimHeader(name: "X-Tenant", claim: "tenant")]
        )
        let trailers = TrailerFields([(name: "x-tenant", value: "forged"), (name: "X-TENANT", value: "forged"), (name: "x-checksum", value: "1"), (name: "dpop", value: "p")])
        #expect(UpstreamRequestHead.filter(trailers, route: rule) == TrailerFields([(name: "x-checksum", value: "1")]))
    }
}
