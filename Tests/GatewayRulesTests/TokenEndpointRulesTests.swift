import GatewayRules
import Testing

/// `[token_endpoint]` validation (SPEC §8, §9 "Token endpoint"): the signing key, the issuer, the
/// ttl's bounds, and the paths against the routes — each asserting the exact printed lines.
struct TokenEndpointRulesTests {
    /// A signing key with a private key (the loader only checks that the files can be read).
    static func keys(_ fixture: RulesFixture) throws -> String {
        try fixture.touch("gw.pub.pem", "gw.pem")
        return """
            [[keys]]
            id = "gw-es256"
            alg = "ES256"
            public_key_file = "gw.pub.pem"
            private_key_file = "gw.pem"

            """
    }

    /// minimalRoutes (one route, prefix /orders) + the key: lines 1–13; `[token_endpoint]` is line 14.
    static func text(_ fixture: RulesFixture, routes: String = minimalRoutes, _ endpoint: String) throws -> String {
        routes + (try Self.keys(fixture)) + "[token_endpoint]\n" + endpoint
    }

    /// The printed problems of `text(fixture, routes:, endpoint)`.
    static func problems(_ fixture: RulesFixture, routes: String = minimalRoutes, _ endpoint: String) throws -> [String]
    {
        let text = try Self.text(fixture, routes: routes, endpoint)
        return fixture.problems(text)
    }

    @Test func aValidEndpointLoads() throws {
        let fixture = try RulesFixture()
        let loaded = try fixture.load(try Self.text(fixture, "signing_key = \"gw-es256\"\nttl = \"24h\"\n"))
        #expect(loaded.rules.tokenEndpoint?.ttl == .seconds(86_400))
        #expect(loaded.warnings.isEmpty)
    }

    @Test func aSigningKeyThatNamesNoKey() throws {
        let fixture = try RulesFixture()
        #expect(
            try Self.problems(fixture, "signing_key = \"gw-es265\"\n") == [
                "gateway.conf:15:15: error: token_endpoint.signing_key: no [[keys]] entry has id \"gw-es265\"; "
                    + "did you mean \"gw-es256\"?"
            ]
        )
    }

    @Test func anHMACKeySignsWithItsSecret() throws {
        let fixture = try RulesFixture()
        let text =
            minimalRoutes + """
                [[keys]]
                id = "gw-hs256"
                alg = "HS256"
                secret_env = "GW_SECRET"

                [token_endpoint]
                signing_key = "gw-hs256"
                """
        let loaded = try fixture.load(text, environment: ["GW_SECRET": String(repeating: "s", count: 32)])
        #expect(loaded.rules.tokenEndpoint?.signingKey == "gw-hs256")
    }

    @Test func theKeysPinnedAudiences() throws {
        let fixture = try RulesFixture()
        try fixture.touch("gw.pub.pem", "gw.pem")
        let key = """
            [[keys]]
            id = "gw-es256"
            alg = "ES256"
            public_key_file = "gw.pub.pem"
            private_key_file = "gw.pem"
            audiences = ["orders-api", "billing-api"]

            [token_endpoint]
            signing_key = "gw-es256"

            """
        #expect(
            fixture.problems(minimalRoutes + key + "audience = \"other\"\n") == [
                "gateway.conf:18:12: error: token_endpoint.audience: must be one of the audiences key \"gw-es256\" "
                    + "pins (\"orders-api\", \"billing-api\"), or the gateway would refuse the tokens it issues"
            ]
        )
        #expect(
            fixture.problems(minimalRoutes + key) == [
                "gateway.conf:16:1: error: token_endpoint: must be one of the audiences key \"gw-es256\" pins "
                    + "(\"orders-api\", \"billing-api\"), or the gateway would refuse the tokens it issues"
            ]
        )
        #expect(fixture.problems(minimalRoutes + key + "audience = \"billing-api\"\n").isEmpty)
    }

    @Test func ttlBounds() throws {
        let fixture = try RulesFixture()
        #expect(
            try Self.problems(fixture, "signing_key = \"gw-es256\"\nttl = \"25h\"\n") == [
                "gateway.conf:16:7: error: token_endpoint.ttl: must be at most 24h: a shorter-lived token is worth "
                    + "less to whoever steals it"
            ]
        )
        #expect(
            try Self.problems(fixture, "signing_key = \"gw-es256\"\nttl = \"500ms\"\n") == [
                "gateway.conf:16:7: error: token_endpoint.ttl: must be at least 1s"
            ]
        )
        #expect(
            try Self.problems(fixture, "signing_key = \"gw-es256\"\nttl = \"1500ms\"\n") == [
                "gateway.conf:16:7: error: token_endpoint.ttl: must be a whole number of seconds (exp and "
                    + "expires_in are integers)"
            ]
        )
        #expect(
            try Self.problems(fixture, "signing_key = \"gw-es256\"\nttl = \"0s\"\n") == [
                "gateway.conf:16:7: error: token_endpoint.ttl: must be longer than zero"
            ]
        )
    }

    @Test func ttlMustNotOutliveMaxLifetime() throws {
        let fixture = try RulesFixture()
        let text =
            "[jwt]\nmax_lifetime = \"10m\"\n" + (try Self.text(fixture, "signing_key = \"gw-es256\"\nttl = \"15m\"\n"))
        #expect(
            fixture.problems(text) == [
                "gateway.conf:18:7: error: token_endpoint.ttl: ttl (900s) exceeds jwt.max_lifetime (600s): the "
                    + "gateway would refuse the tokens it issues"
            ]
        )
        // The default ttl (15m) is checked too; the problem is then the table's.
        let defaulted = "[jwt]\nmax_lifetime = \"10m\"\n" + (try Self.text(fixture, "signing_key = \"gw-es256\"\n"))
        #expect(
            fixture.problems(defaulted) == [
                "gateway.conf:16:1: error: token_endpoint: ttl (900s) exceeds jwt.max_lifetime (600s): the "
                    + "gateway would refuse the tokens it issues"
            ]
        )
    }

    @Test func pathsThatARouteMatchesAreRefused() throws {
        let fixture = try RulesFixture()
        let routes =
            minimalRoutes + """
                [[routes]]
                name = "oauth"
                path_prefix = "/oauth/"
                upstream = "orders"

                [[routes]]
                name = "revoke"
                host = "api.example.com"
                path = "/oauth/revoke"
                methods = ["GET"]
                upstream = "orders"

                """
        #expect(
            try Self.problems(fixture, routes: routes, "signing_key = \"gw-es256\"\n") == [
                "gateway.conf:25:1: error: token_endpoint: /oauth/token is also matched by route \"oauth\" "
                    + "(path_prefix \"/oauth/\"); the token endpoint answers it first, so give the endpoint a path no "
                    + "route matches",
                "gateway.conf:25:1: error: token_endpoint: /oauth/revoke is also matched by route \"oauth\" "
                    + "(path_prefix \"/oauth/\"); the token endpoint answers it first, so give the endpoint a path no "
                    + "route matches",
                "gateway.conf:25:1: error: token_endpoint: /oauth/revoke is also matched by route \"revoke\" "
                    + "(path \"/oauth/revoke\"); the token endpoint answers it first, so give the endpoint a path no "
                    + "route matches",
            ]
        )
        // Written paths are pointed at; a catch-all prefix matches every path.
        let catchAll = minimalRoutes + "[[routes]]\nname = \"all\"\npath_prefix = \"/\"\nupstream = \"orders\"\n\n"
        let problems = try Self.problems(
            fixture,
            routes: catchAll,
            "signing_key = \"gw-es256\"\npath = \"/token\"\nrevoke_path = \"/revoke\"\n"
        )
        #expect(problems.count == 2)
        #expect(
            problems.first?.hasPrefix(
                "gateway.conf:21:8: error: token_endpoint.path: /token is also matched by route \"all\""
            ) == true
        )
    }

    @Test func aPrefixMatchesWholeSegmentsOnly() throws {
        let fixture = try RulesFixture()
        let routes =
            minimalRoutes + "[[routes]]\nname = \"oauthx\"\npath_prefix = \"/oauthx\"\nupstream = \"orders\"\n\n"
            + "[[routes]]\nname = \"deeper\"\npath_prefix = \"/oauth/token/more\"\nupstream = \"orders\"\n\n"
        #expect(try Self.problems(fixture, routes: routes, "signing_key = \"gw-es256\"\n").isEmpty)
    }

    @Test func pathsMustBeNormalisedAndUnescaped() throws {
        let fixture = try RulesFixture()
        #expect(
            try Self.problems(fixture, "signing_key = \"gw-es256\"\npath = \"/o%61uth/token\"\n") == [
                "gateway.conf:16:8: error: token_endpoint.path: invalid path \"/o%61uth/token\": write the path "
                    + "without percent-escapes"
            ]
        )
        #expect(
            try Self.problems(fixture, "signing_key = \"gw-es256\"\nrevoke_path = \"/a/../revoke\"\n") == [
                "gateway.conf:16:15: error: token_endpoint.revoke_path: invalid path \"/a/../revoke\": no \".\" or "
                    + "\"..\" segments"
            ]
        )
    }
}
