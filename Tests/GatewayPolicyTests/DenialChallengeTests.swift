import Testing

@testable import GatewayPolicy

/// SPEC §3: every 401 carries `WWW-Authenticate: Bearer realm="gateway"` (with
/// `error="invalid_token"` once a credential was presented, RFC 6750 §3.1), every 403 its
/// `insufficient_scope` challenge, and no other status carries one.
struct DenialChallengeTests {
    private func challenge(_ denial: Denial) -> String? {
        denial.headers.first { $0.0.lowercased() == "www-authenticate" }?.1
    }

    @Test(arguments: DenyReason.allCases)
    func everyReasonCarriesTheChallengeItsStatusNeeds(reason: DenyReason) {
        let challenge = self.challenge(Denial(reason: reason))
        switch reason.status {
        case 401 where reason.isDPoPChallenge:
            #expect(challenge == #"DPoP algs="ES256 EdDSA RS256 PS256", error="\#(reason.rawValue)""#)
        case 401 where reason == .missingCredential:
            #expect(challenge == #"Bearer realm="gateway""#)
        case 401:
            #expect(challenge == #"Bearer realm="gateway", error="invalid_token""#)
        case 403:
            #expect(challenge == #"Bearer realm="gateway", error="insufficient_scope""#)
        default:
            #expect(challenge == nil)
        }
    }

    @Test func aPolicyRefusalNamesTheMissingScopes() {
        let denial = Denial(
            reason: .insufficientScope,
            credentialPresented: true,
            missingScopes: ["orders:write", "orders:admin"],
            routeName: "orders",
            path: "/orders"
        )
        #expect(self.challenge(denial) == #"Bearer realm="gateway", error="insufficient_scope", scope="orders:write orders:admin""#)
    }

    /// SPEC §10, RFC 9449 §7.1: the DPoP reasons answer with the `DPoP` scheme and the
    /// configured proof algorithms, never a `Bearer` challenge.
    @Test func theDPoPReasonsListTheConfiguredAlgorithms() {
        for reason in [DenyReason.invalidDpopProof, .dpopRequired] {
            let denial = Denial(
                reason: reason,
                credentialPresented: true,
                missingScopes: [],
                routeName: "orders",
                path: "/orders",
                dpopAlgorithms: [.es256, .ps256]
            )
            #expect(denial.status == 401)
            #expect(denial.headers.filter { $0.0 == "WWW-Authenticate" }.count == 1)
            #expect(self.challenge(denial) == #"DPoP algs="ES256 PS256", error="\#(reason.rawValue)""#)
        }
    }

    @Test func aGivenChallengeIsNotDoubled() {
        let denial = Denial(reason: .invalidClient, headers: [("WWW-Authenticate", #"Basic realm="gateway""#)])
        #expect(denial.headers.filter { $0.0 == "WWW-Authenticate" }.count == 1)
        #expect(self.challenge(denial) == #"Basic realm="gateway""#)
    }
}
