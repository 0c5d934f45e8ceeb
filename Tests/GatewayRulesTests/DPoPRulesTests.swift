import GatewayRules
import Testing

/// SPEC §10's keys: `[dpop]`, and the routes' `dpop` and `claims_to_headers` — what they load
/// to, and the exact lines `gateway check` prints for each problem (key paths, positions).
struct DPoPRulesTests {
    static let upstream = """
        [[upstreams]]
        name = "orders"
        targets = ["127.0.0.1:9000"]

        """

    /// A route named `orders` with `extra` lines.
    static func route(_ extra: String, name: String = "orders") -> String {
        """
        [[routes]]
        name = "\(name)"
        path_prefix = "/\(name)"
        upstream = "orders"
        \(extra)

        """
    }

    // MARK: Loaded values

    @Test func absentKeysTakeTheirDefaults() throws {
        let fixture = try RulesFixture()
        let rules = try fixture.load("[replay]\nwindow = \"120s\"\n" + minimalRoutes).rules
        #expect(rules.dpop == DPoPRules())
        #expect(rules.dpop.algorithms == [.es256, .eddsa, .rs256, .ps256])
        #expect(rules.dpopWindow == .seconds(120))
        #expect(rules.routes[0].dpop == .optional)
        #expect(rules.routes[0].claimsToHeaders.isEmpty)
        #expect(rules.headerClaimNames.isEmpty)
    }

    @Test func dpopAndClaimsToHeadersLoad() throws {
        let fixture = try RulesFixture()
        let text =
            "[dpop]\nalgs = [\"EdDSA\", \"ES256\", \"EdDSA\", \"PS384\"]\nwindow = \"60s\"\n\n" + Self.upstream
            + Self.route(#"dpop = "required"\#nclaims_to_headers = { "X-Tenant" = "tenant", "X-User-Email" = "email" }"#)
            + Self.route(#"claims_to_headers = { "X-Org" = "tenant", "X-Roles" = "roles" }"#, name: "other")
        let loaded = try fixture.load(text)
        #expect(loaded.warnings.isEmpty)
        let rules = loaded.rules
        #expect(rules.dpop.algorithms == [.eddsa, .es256, .ps384])
        #expect(rules.dpopWindow == .seconds(60))
        #expect(rules.routes[0].dpop == .required)
        #expect(
            rules.routes[0].claimsToHeaders == [
                ClaimHeader(name: "X-Tenant", claim: "tenant"), ClaimHeader(name: "X-User-Email", claim: "email"),
            ]
        )
        #expect(rules.routes[1].dpop == .optional)
        #expect(rules.headerClaimNames == ["tenant", "email", "roles"])
    }

    // MARK: [dpop]

    @Test func algsAreAsymmetricJOSEAlgorithmsOnly() throws {
        let fixture = try RulesFixture()
        let problems = fixture.problems(
            "[dpop]\nalgs = [\"ES256\", \"HS256\", \"none\", \"es384\"]\n" + minimalRoutes
        )
        let allowed = "(allowed: RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 EdDSA)"
        #expect(
            problems == [
                "gateway.conf:2:18: error: dpop.algs[2]: HS256 is symmetric: a DPoP proof is signed with the client's "
                    + "private key \(allowed)",
                "gateway.conf:2:27: error: dpop.algs[3]: \"none\" is not allowed: a DPoP proof must be signed \(allowed)",
                "gateway.conf:2:35: error: dpop.algs[4]: unknown algorithm \"es384\"; did you mean \"ES384\"? \(allowed)",
            ]
        )
    }

    @Test func emptyAlgsZeroWindowAndUnknownKeys() throws {
        let fixture = try RulesFixture()
        let problems = fixture.problems("[dpop]\nalgs = []\nwindow = \"0s\"\nnonce = true\n" + minimalRoutes)
        #expect(
            problems == [
                "gateway.conf:2:8: error: dpop.algs: needs at least one algorithm, such as \"ES256\"",
                "gateway.conf:3:10: error: dpop.window: must be longer than zero",
                "gateway.conf:4:1: error: dpop.nonce: unknown key",
            ]
        )
    }

    // MARK: dpop on a route

    @Test func routeDPoPValues() throws {
        let fixture = try RulesFixture()
        let text =
            Self.upstream + Self.route(#"dpop = "always""#)
            + Self.route("auth = [\"api_key\"]\ndpop = \"required\"", name: "keys")
        #expect(
            fixture.problems(text) == [
                "gateway.conf:8:8: error: routes[1](orders).dpop: unknown value \"always\"; expected \"optional\" or \"required\"",
                "gateway.conf:14:8: error: routes[2](keys).dpop: \"required\" admits only DPoP-bound JWTs; allow \"jwt\" in auth",
            ]
        )
    }

    @Test func aPublicRouteTakesNoDPoPAndWarnsAboutClaims() throws {
        let fixture = try RulesFixture()
        let text =
            Self.upstream + Self.route("public = true\ndpop = \"optional\"\nclaims_to_headers = { \"X-Tenant\" = \"tenant\" }")
        #expect(
            fixture.problems(text) == [
                "gateway.conf:9:1: error: routes[1](orders).dpop: contradicts public = true: a public route checks no credential",
                "gateway.conf:10:1: warning: routes[1](orders).claims_to_headers: a public route verifies no token, so "
                    + "these headers are only removed, never set",
            ]
        )
        let warned = try fixture.load(Self.upstream + Self.route("public = true\nclaims_to_headers = { \"X-Tenant\" = \"tenant\" }"))
        #expect(warned.warnings.count == 1)
    }

    // MARK: claims_to_headers

    /// The `problems` of one route whose `claims_to_headers` is `table`, without position and
    /// prefix: `name: message`.
    func headerProblems(_ table: String) throws -> [String] {
        let fixture = try RulesFixture()
        let prefix = "routes[1](orders).claims_to_headers."
        return fixture.problems(Self.upstream + Self.route("claims_to_headers = { \(table) }")).map { line in
            let path = line.split(separator: " error: ", maxSplits: 1).last.map(String.init) ?? line
            return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
        }
    }

    @Test func gatewaySetHeadersAreRefused() throws {
        #expect(
            try self.headerProblems(#""X-Auth-User" = "sub", "x-auth-subject" = "sub", "X-Forwarded-For" = "ip", "X-Request-Id" = "jti""#)
                == [
                    "X-Auth-User: cannot carry a claim: the gateway sets the X-Auth-* fields itself",
                    "x-auth-subject: cannot carry a claim: the gateway sets the X-Auth-* fields itself",
                    "X-Forwarded-For: cannot carry a claim: the gateway sets the X-Forwarded-* fields itself",
                    "X-Request-Id: cannot carry a claim: the gateway sets or checks X-Request-Id itself",
                ]
        )
    }

    @Test func credentialHeadersAreRefused() throws {
        #expect(
            try self.headerProblems(#""Authorization" = "a", "X-API-Key" = "b", "dpop" = "c", "Signature" = "d", "Signature-Input" = "e""#)
                == [
                    "Authorization: cannot carry a claim: Authorization is a credential field",
                    "X-API-Key: cannot carry a claim: X-API-Key is a credential field",
                    "dpop: cannot carry a claim: dpop is a credential field",
                    "Signature: cannot carry a claim: Signature is a credential field",
                    "Signature-Input: cannot carry a claim: Signature-Input is a credential field",
                ]
        )
    }

    @Test func hopByHopAndFramingHeadersAreRefused() throws {
        #expect(
            try self.headerProblems(#""Connection" = "a", "Transfer-Encoding" = "b", "Host" = "c", "Content-Length" = "d", "TE" = "e""#)
                == [
                    "Connection: cannot carry a claim: Connection is a hop-by-hop field, removed before forwarding",
                    "Transfer-Encoding: cannot carry a claim: Transfer-Encoding is a hop-by-hop field, removed before forwarding",
                    "Host: cannot carry a claim: the gateway sets or checks Host itself",
                    "Content-Length: cannot carry a claim: the gateway sets or checks Content-Length itself",
                    "TE: cannot carry a claim: TE is a hop-by-hop field, removed before forwarding",
                ]
        )
    }

    @Test func invalidFieldNamesAreRefused() throws {
        let rule = "not a valid header field name (RFC 9110 §5.1: letters, digits and !#$%&'*+-.^_`|~)"
        #expect(
            try self.headerProblems(#""X Tenant" = "a", "X-Tenant:" = "b", "" = "c", "Tenänt" = "d""#) == [
                "\"X Tenant\": \(rule)", "\"X-Tenant:\": \(rule)", "\"\": \(rule)", "\"Tenänt\": \(rule)",
            ]
        )
    }

    @Test func theSameFieldTwiceAndBadClaimNames() throws {
        #expect(
            try self.headerProblems(#""X-Tenant" = "tenant", "x-TENANT" = "org", "X-Level" = 3, "X-Empty" = """#) == [
                "x-TENANT: names the same header field as \"X-Tenant\"",
                "X-Level: expected a string, found an integer",
                "X-Empty: must not be empty",
            ]
        )
    }

    @Test func positionsPointAtEachKey() throws {
        let fixture = try RulesFixture()
        let problems = fixture.problems(Self.upstream + Self.route(#"claims_to_headers = { "X-Tenant" = "t", "X-Auth-User" = "sub" }"#))
        #expect(
            problems == [
                "gateway.conf:8:41: error: routes[1](orders).claims_to_headers.X-Auth-User: cannot carry a claim: the "
                    + "gateway sets the X-Auth-* fields itself"
            ]
        )
    }
}
