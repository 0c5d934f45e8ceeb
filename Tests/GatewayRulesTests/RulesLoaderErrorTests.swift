import GatewayRules
import Testing

/// One test per class of error `gateway check` reports, each asserting the exact printed lines.
/// `RulesFixture.problems` strips the temporary folder, so lines read as for `-c gateway.conf`.
struct RulesLoaderErrorTests {
    @Test func syntaxErrorsCarryTOMLKitsPosition() throws {
        let fixture = try RulesFixture()
        let problems = fixture.problems("[server]\nlisten = \"127.0.0.1:8080\nthreads = 2\n")
        #expect(
            problems == [
                "gateway.conf:2:25: error: TOML syntax: parsing string: unescaped control characters other than TAB "
                    + "(U+0009) are explicitly prohibited"
            ]
        )
    }

    @Test func unknownTopLevelKeyPointsAtItsHeader() throws {
        let fixture = try RulesFixture()
        let problems = fixture.problems("[servr]\nthreads = 1\n" + minimalRoutes)
        #expect(problems == ["gateway.conf:1:1: error: servr: unknown key; did you mean \"server\"?"])
    }

    @Test func unknownNestedKey() throws {
        let fixture = try RulesFixture()
        let problems = fixture.problems("[server]\nlisen = \"127.0.0.1:80\"\n" + minimalRoutes)
        #expect(problems == ["gateway.conf:2:1: error: server.lisen: unknown key; did you mean \"listen\"?"])
    }

    @Test func unknownKeyInAnInlineTableAndTheMissingOne() throws {
        let fixture = try RulesFixture()
        try fixture.touch("c.pem")
        let problems = fixture.problems(
            "[server]\ntls = { cert_file = \"c.pem\", key_fle = \"k.pem\" }\n" + minimalRoutes
        )
        #expect(
            problems == [
                "gateway.conf:2:7: error: server.tls.key_file: required key is missing",
                "gateway.conf:2:30: error: server.tls.key_fle: unknown key; did you mean \"key_file\"?",
            ]
        )
    }

    @Test func unknownKeyInAnArrayEntryIsNamedByTheEntry() throws {
        let fixture = try RulesFixture()
        let problems = fixture.problems(minimalRoutes + "scope = [\"orders:read\"]\n")
        #expect(
            problems == ["gateway.conf:9:1: error: routes[1](orders-read).scope: unknown key; did you mean \"scopes\"?"]
        )
    }

    @Test func wrongTypeSaysWhatWasFound() throws {
        let fixture = try RulesFixture()
        let problems = fixture.problems("[server]\nthreads = \"4\"\nmax_connections = 1.5\n" + minimalRoutes)
        #expect(
            problems == [
                "gateway.conf:2:11: error: server.threads: expected an integer, found a string",
                "gateway.conf:3:19: error: server.max_connections: expected an integer, found a floating-point number",
            ]
        )
    }

    @Test func badDuration() throws {
        let fixture = try RulesFixture()
        let problems = fixture.problems("[server]\nidle_timeout = \"5x\"\nheader_timeout = 10\n" + minimalRoutes)
        #expect(
            problems == [
                "gateway.conf:2:16: error: server.idle_timeout: invalid duration \"5x\": unknown unit \"x\"; use ms, s, m or h",
                "gateway.conf:3:18: error: server.header_timeout: expected a duration string such as \"30s\", found an integer",
            ]
        )
    }

    @Test func badSize() throws {
        let fixture = try RulesFixture()
        let problems = fixture.problems("[server]\nmax_body_bytes = \"10MB\"\nmax_uri_bytes = -1\n" + minimalRoutes)
        #expect(
            problems == [
                "gateway.conf:2:18: error: server.max_body_bytes: invalid size \"10MB\": unknown unit \"MB\"; "
                    + "use B, KiB, MiB or GiB (did you mean \"MiB\"?)",
                "gateway.conf:3:17: error: server.max_uri_bytes: must be greater than zero",
            ]
        )
    }

    @Test func badListenAddress() throws {
        let fixture = try RulesFixture()
        let text = "[server]\nlisten = [\"127.0.0.1:8080\", \"localhost:99999\"]\n[admin]\nlisten = \"::1:9901\"\n"
        let problems = fixture.problems(text + minimalRoutes)
        #expect(
            problems == [
                "gateway.conf:2:29: error: server.listen[2]: invalid listen address \"localhost:99999\": "
                    + "port must be a number from 0 to 65535",
                "gateway.conf:4:10: error: admin.listen: invalid listen address \"::1:9901\": "
                    + "an IPv6 address needs brackets, as in \"[::1]:8080\"",
            ]
        )
    }

    @Test func badUpstreamTarget() throws {
        let fixture = try RulesFixture()
        let text = minimalRoutes.replacing("[\"127.0.0.1:9000\"]", with: "[\"ftp://files:21\", \"orders.internal\"]")
        #expect(
            fixture.problems(text) == [
                "gateway.conf:3:12: error: upstreams[1](orders).targets[1]: invalid target \"ftp://files:21\": "
                    + "unsupported scheme \"ftp\"; use http:// or https://",
                "gateway.conf:3:30: error: upstreams[1](orders).targets[2]: invalid target \"orders.internal\": "
                    + "missing port; write host:port, as in \"127.0.0.1:8080\"",
            ]
        )
    }

    @Test func routeNamingAMissingUpstream() throws {
        let fixture = try RulesFixture()
        let text = minimalRoutes.replacing("upstream = \"orders\"", with: "upstream = \"ordrs\"")
        #expect(
            fixture.problems(text) == [
                "gateway.conf:8:12: error: routes[1](orders-read).upstream: no upstream named \"ordrs\"; did you mean \"orders\"?"
            ]
        )
    }

    @Test func duplicateNames() throws {
        let fixture = try RulesFixture()
        let text =
            minimalRoutes + """
                [[routes]]
                name = "orders-read"
                path = "/orders/x"
                upstream = "orders"

                [[upstreams]]
                name = "orders"
                targets = ["127.0.0.1:9001"]
                """
        #expect(
            fixture.problems(text) == [
                "gateway.conf:10:8: error: routes[2](orders-read).name: duplicate route name \"orders-read\"; "
                    + "first used by routes[1](orders-read)",
                "gateway.conf:15:8: error: upstreams[2](orders).name: duplicate upstream name \"orders\"; "
                    + "first used by upstreams[1](orders)",
            ]
        )
    }

    @Test func pathAndPathPrefixConflictOrAreMissing() throws {
        let fixture = try RulesFixture()
        let text =
            minimalRoutes.replacing("path_prefix = \"/orders\"", with: "path = \"/orders\"\npath_prefix = \"/orders\"")
            + "[[routes]]\nname = \"no-path\"\nupstream = \"orders\"\n\n[[routes]]\nname = \"rel\"\npath = \"orders\"\nupstream = \"orders\"\n"
        #expect(
            fixture.problems(text) == [
                "gateway.conf:8:1: error: routes[1](orders-read).path_prefix: conflicts with \"path\"; "
                    + "give only one of path or path_prefix",
                "gateway.conf:10:1: error: routes[2](no-path): needs path or path_prefix",
                "gateway.conf:16:8: error: routes[3](rel).path: invalid path \"orders\": must start with \"/\"",
            ]
        )
    }

    @Test func badHostPattern() throws {
        let fixture = try RulesFixture()
        let problems = fixture.problems(minimalRoutes + "host = \"api.*.com\"\n")
        #expect(
            problems == [
                "gateway.conf:9:8: error: routes[1](orders-read).host: invalid host pattern \"api.*.com\": "
                    + "only a leading \"*.\" is allowed, as in \"*.example.com\""
            ]
        )
    }

    @Test func badAuthKindAndEmptyAuth() throws {
        let fixture = try RulesFixture()
        let text =
            minimalRoutes
            + "auth = [\"jwt\", \"apikey\"]\n\n[[routes]]\nname = \"b\"\npath = \"/b\"\nupstream = \"orders\"\nauth = []\n"
        #expect(
            fixture.problems(text) == [
                "gateway.conf:9:16: error: routes[1](orders-read).auth[2]: unknown credential kind \"apikey\"; "
                    + "did you mean \"api_key\"? (use jwt, api_key or signature)",
                "gateway.conf:15:8: error: routes[2](b).auth: must name at least one kind (jwt, api_key, signature), "
                    + "or set public = true",
            ]
        )
    }

    @Test func publicRouteContradictingCredentialKeys() throws {
        let fixture = try RulesFixture()
        let problems = fixture.problems(minimalRoutes + "public = true\nauth = [\"jwt\"]\nreplay = \"required\"\n")
        #expect(
            problems == [
                "gateway.conf:10:1: error: routes[1](orders-read).auth: contradicts public = true: "
                    + "a public route checks no credential",
                "gateway.conf:11:10: error: routes[1](orders-read).replay: contradicts public = true: "
                    + "a public route checks no credential",
            ]
        )
    }

    @Test func badRateLimitAndBurst() throws {
        let fixture = try RulesFixture()
        let text =
            minimalRoutes
            + "rate_limit = \"0/s\"\n\n[[routes]]\nname = \"b\"\npath = \"/b\"\nupstream = \"orders\"\nburst = 5\n"
        #expect(
            fixture.problems(text) == [
                "gateway.conf:9:14: error: routes[1](orders-read).rate_limit: invalid rate limit \"0/s\": "
                    + "the count must be a whole number of at least 1",
                "gateway.conf:15:1: error: routes[2](b).burst: needs rate_limit",
            ]
        )
    }

    @Test func badAlgorithms() throws {
        let fixture = try RulesFixture()
        try fixture.touch("k.pem")
        let text =
            minimalRoutes + """
                [[keys]]
                id = "k"
                alg = "es256"
                public_key_file = "k.pem"

                [[signing_keys]]
                id = "s"
                alg = "Ed25519"
                public_key_file = "k.pem"
                """
        #expect(
            fixture.problems(text) == [
                "gateway.conf:11:7: error: keys[1](k).alg: unknown algorithm \"es256\"; did you mean \"ES256\"? "
                    + "(allowed: HS256 HS384 HS512 RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 EdDSA)",
                "gateway.conf:16:7: error: signing_keys[1](s).alg: unknown algorithm \"Ed25519\"; did you mean "
                    + "\"ed25519\"? (allowed: hmac-sha256 ed25519 ecdsa-p256-sha256 rsa-pss-sha512)",
            ]
        )
    }

    @Test func keyMaterialMustMatchTheAlgorithm() throws {
        let fixture = try RulesFixture()
        try fixture.touch("k.pem")
        let text =
            minimalRoutes + """
                [[keys]]
                id = "hs"
                alg = "HS256"
                public_key_file = "k.pem"

                [[keys]]
                id = "none"
                alg = "RS256"
                """
        #expect(
            fixture.problems(text) == [
                "gateway.conf:12:1: error: keys[1](hs).public_key_file: HS256 is an HMAC algorithm: "
                    + "give secret_env, secret_file or secret instead",
                "gateway.conf:14:1: error: keys[2](none): needs a key: public_key_file or jwk_file, "
                    + "or for HS256/HS384/HS512 secret_env or secret_file",
            ]
        )
    }

    @Test func missingSecretEnvironmentVariable() throws {
        let fixture = try RulesFixture()
        let text = minimalRoutes + "[[keys]]\nid = \"hs\"\nalg = \"HS256\"\nsecret_env = \"JWT_SECRET\"\n"
        #expect(
            fixture.problems(text, environment: ["OTHER": "x"]) == [
                "gateway.conf:12:14: error: keys[1](hs).secret_env: environment variable JWT_SECRET is not set"
            ]
        )
    }

    @Test func shortHMACSecretNeverShowsTheSecret() throws {
        let fixture = try RulesFixture()
        let secret = "twenty-bytes-secret!"
        let text = minimalRoutes + "[[signing_keys]]\nid = \"bot\"\nalg = \"hmac-sha256\"\nsecret_env = \"BOT\"\n"
        let problems = fixture.problems(text, environment: ["BOT": secret])
        #expect(
            problems == [
                "gateway.conf:12:14: error: signing_keys[1](bot).secret_env: the secret is 20 bytes; "
                    + "HMAC secrets must be at least 32"
            ]
        )
        #expect(!problems.joined().contains(secret))
    }

    @Test func unreadableFileNamesTheResolvedPath() throws {
        let fixture = try RulesFixture()
        let text =
            minimalRoutes + "[[keys]]\nid = \"k\"\nalg = \"ES256\"\npublic_key_file = \"keys/../keys/missing.pem\"\n"
        let error = #expect(throws: RulesError.self) { try fixture.load(text) }
        #expect(
            error?.description
                == "\(fixture.rulesPath):12:19: error: keys[1](k).public_key_file: "
                + "cannot read \"\(fixture.directory)/keys/missing.pem\": no such file"
        )
    }

    @Test func badAPIKeyHash() throws {
        let fixture = try RulesFixture()
        let text = minimalRoutes + "[[api_keys]]\nid = \"acme\"\nhash = \"sha256:abc\"\n"
        #expect(
            fixture.problems(text) == [
                "gateway.conf:11:8: error: api_keys[1](acme).hash: invalid hash: expected 64 hex digits after "
                    + "\"sha256:\", found 3"
            ]
        )
    }

    @Test func badExpires() throws {
        let fixture = try RulesFixture()
        let text =
            minimalRoutes
            + "[[api_keys]]\nid = \"acme\"\nhash = \"\(testKeyHash)\"\nexpires = \"2027-02-30T00:00:00Z\"\n"
        #expect(
            fixture.problems(text) == [
                "gateway.conf:12:11: error: api_keys[1](acme).expires: invalid RFC 3339 timestamp "
                    + "\"2027-02-30T00:00:00Z\": day must be from 1 to 28"
            ]
        )
    }

    @Test func apiKeysFileErrorsAreLocatedInThatFile() throws {
        let fixture = try RulesFixture()
        try fixture.write(
            "consumers.toml",
            "[[api_keys]]\nid = \"acme\"\nhash = \"\(testKeyHash)\"\n\n[[api_keys]]\nid = \"acme\"\nhahs = \"x\"\n"
        )
        let text = "api_keys_file = \"consumers.toml\"\n" + minimalRoutes
        #expect(
            fixture.problems(text) == [
                "consumers.toml:5:1: error: api_keys[2](acme).hash: required key is missing",
                "consumers.toml:6:6: error: api_keys[2](acme).id: duplicate API key id \"acme\"; first used by api_keys[1](acme)",
                "consumers.toml:7:1: error: api_keys[2](acme).hahs: unknown key; did you mean \"hash\"?",
            ]
        )
    }

    @Test func duplicateAPIKeysAcrossFiles() throws {
        let fixture = try RulesFixture()
        try fixture.write("consumers.toml", "[[api_keys]]\nid = \"bulk\"\nhash = \"\(testKeyHash)\"\n")
        let text =
            "api_keys_file = \"consumers.toml\"\n" + minimalRoutes
            + "[[api_keys]]\nid = \"acme\"\nhash = \"\(testKeyHash)\"\n"
        #expect(
            fixture.problems(text) == [
                "consumers.toml:3:8: error: api_keys[1](bulk).hash: same hash as api_keys[1](acme) in gateway.conf: "
                    + "one key would match both entries"
            ]
        )
    }

    @Test func tokenEndpointSigningKeyWithoutPrivateKey() throws {
        let fixture = try RulesFixture()
        try fixture.touch("k.pub.pem")
        let text =
            minimalRoutes + """
                [[keys]]
                id = "auth-es256"
                alg = "ES256"
                public_key_file = "k.pub.pem"
                issuer = "https://auth.example.com"

                [token_endpoint]
                signing_key = "auth-es256"
                issuer = "gateway"
                """
        #expect(
            fixture.problems(text) == [
                "gateway.conf:16:15: error: token_endpoint.signing_key: key \"auth-es256\" has no private_key_file "
                    + "to sign tokens with",
                "gateway.conf:17:10: error: token_endpoint.issuer: must equal the issuer key \"auth-es256\" pins "
                    + "(\"https://auth.example.com\")",
            ]
        )
    }

    @Test func inlineSecretIsAWarning() throws {
        let fixture = try RulesFixture()
        let secret = String(repeating: "k", count: 32)
        let text = minimalRoutes + "[[keys]]\nid = \"hs\"\nalg = \"HS256\"\nsecret = \"\(secret)\"\n"
        let loaded = try fixture.load(text)
        #expect(
            loaded.warnings.map(\.description) == [
                "\(fixture.rulesPath):12:1: warning: keys[1](hs).secret: inline secret in the rules file; "
                    + "prefer secret_env or secret_file"
            ]
        )
        #expect(loaded.rules.keys.first?.material == .secret(Secret(bytes: Array(secret.utf8), source: .inline)))
    }

    @Test func everyProblemIsReportedSortedByLine() throws {
        let fixture = try RulesFixture()
        let text =
            "[server]\nthreads = -1\n" + minimalRoutes.replacing("\"/orders\"", with: "\"orders\"")
            + "[jwt]\nleeway = \"-5s\"\n"
        #expect(
            fixture.problems(text) == [
                "gateway.conf:2:11: error: server.threads: must be at least 0, found -1",
                "gateway.conf:9:15: error: routes[1](orders-read).path_prefix: invalid path \"orders\": must start with \"/\"",
                "gateway.conf:12:10: error: jwt.leeway: invalid duration \"-5s\": negative durations are not allowed",
            ]
        )
    }

    @Test func unlocatedProblemsNameTheKeyPath() throws {
        let source = RulesSource(path: "gateway.conf", text: "")
        #expect(source.locate(keyPath: "api_keys_file") == nil)
        #expect(
            source.diagnostic(keyPath: "api_keys_file", "cannot read").description
                == "gateway.conf: error: api_keys_file: cannot read"
        )
    }

    @Test func unreadableRulesFile() throws {
        let fixture = try RulesFixture()
        let error = #expect(throws: RulesError.self) {
            try RulesLoader(environment: [:]).load(path: fixture.directory + "/absent.conf")
        }
        #expect(
            error?.description == "\(fixture.directory)/absent.conf: error: cannot read the rules file: no such file"
        )
    }

    @Test func jwksNeedsOneHTTPSSource() throws {
        let fixture = try RulesFixture()
        try fixture.touch("jwks.json")
        let text =
            minimalRoutes + """
                [[jwks]]
                file = "jwks.json"
                url = "https://idp.example.com/jwks.json"

                [[jwks]]
                url = "http://idp.example.com/jwks.json"

                [[jwks]]
                file = "jwks.json"
                refresh = "5m"
                """
        #expect(
            fixture.problems(text) == [
                "gateway.conf:11:1: error: jwks[1].url: conflicts with \"file\"; give only one of file or url",
                "gateway.conf:14:7: error: jwks[2].url: must be an https:// URL: keys fetched in clear text could be swapped",
                "gateway.conf:18:1: error: jwks[3].refresh: only a url is refreshed; a file is reread on reload",
            ]
        )
    }

    /// SPEC §9 "Empty rules": no `[[routes]]` entry is refused by the loader, so `check`, `run`
    /// and a reload all refuse it. An empty (truncated) file, a file cut before its routes, and an
    /// explicit empty array alike.
    @Test func aFileWithoutRoutesIsRefused() throws {
        let fixture = try RulesFixture()
        let message = "error: routes: no [[routes]] entry: every request would be answered 404; "
            + "a rules file must declare at least one route (is the file empty or truncated?)"
        #expect(fixture.problems("") == ["gateway.conf: " + message])
        #expect(fixture.problems("# nothing here yet\n") == ["gateway.conf: " + message])
        let cut = "[server]\nlisten = \"127.0.0.1:8080\"\n\n[[upstreams]]\nname = \"orders\"\ntargets = [\"127.0.0.1:9000\"]\n"
        #expect(fixture.problems(cut) == ["gateway.conf: " + message])
        #expect(fixture.problems("routes = []\n") == ["gateway.conf:1:10: " + message])
        // One route is enough.
        #expect(fixture.problems(minimalRoutes) == [])
    }

    @Test func replayStoreErrorsNeverRepeatTheURL() throws {
        let fixture = try RulesFixture()
        let text = "[replay]\non_full = \"drop\"\nstore = \"redis://u:hunter2@cache:0\"\n" + minimalRoutes
        let problems = fixture.problems(text)
        #expect(
            problems == [
                "gateway.conf:2:11: error: replay.on_full: unknown value \"drop\"; expected \"reject\"",
                "gateway.conf:3:9: error: replay.store: invalid store: invalid host or port in the redis URL",
            ]
        )
        #expect(!problems.joined().contains("hunter2"))
    }

    @Test func replayRequiredNeedsAReplayProtectableKind() throws {
        let fixture = try RulesFixture()
        let problems = fixture.problems(minimalRoutes + "auth = [\"api_key\"]\nreplay = \"required\"\n")
        #expect(
            problems == [
                "gateway.conf:10:10: error: routes[1](orders-read).replay: an API key cannot be replay-protected; "
                    + "allow \"jwt\" or \"signature\" in auth"
            ]
        )
    }

    @Test func auditSinkFolderMustExist() throws {
        let fixture = try RulesFixture()
        let error = #expect(throws: RulesError.self) {
            try fixture.load("[audit]\nsink = \"logs/audit.log\"\n" + minimalRoutes)
        }
        #expect(
            error?.description
                == "\(fixture.rulesPath):2:8: error: audit.sink: cannot write \"\(fixture.directory)/logs/audit.log\": "
                + "folder \"\(fixture.directory)/logs\" does not exist"
        )
    }

    @Test func adminCannotShareTheServerAddress() throws {
        let fixture = try RulesFixture()
        let text = "[server]\nlisten = \"127.0.0.1:8080\"\n\n[admin]\nlisten = \"127.0.0.1:8080\"\n" + minimalRoutes
        #expect(
            fixture.problems(text) == [
                "gateway.conf:5:10: error: admin.listen: 127.0.0.1:8080 is also a server.listen address"
            ]
        )
    }

    @Test func tlsAsATableHeaderNeedsBothFiles() throws {
        let fixture = try RulesFixture()
        try fixture.touch("tls/key.pem")
        let text = "[server.tls]\nkey_file = \"tls/key.pem\"\ncert_file = \"tls/cert.pem\"\n" + minimalRoutes
        #expect(
            fixture.problems(text) == [
                "gateway.conf:3:13: error: server.tls.cert_file: cannot read \"tls/cert.pem\": no such file"
            ]
        )
        try fixture.touch("tls/cert.pem")
        let tls = try fixture.load(text).rules.server.tls
        #expect(
            tls == TLSRules(certFile: fixture.directory + "/tls/cert.pem", keyFile: fixture.directory + "/tls/key.pem")
        )
    }

    @Test func shortSecretsForHS384AndHS512AreWarnedAbout() throws {
        let fixture = try RulesFixture()
        let text = minimalRoutes + "[[keys]]\nid = \"hs\"\nalg = \"HS512\"\nsecret_env = \"K\"\n"
        let loaded = try fixture.load(text, environment: ["K": String(repeating: "k", count: 40)])
        #expect(
            loaded.warnings.map(\.description) == [
                "\(fixture.rulesPath):12:14: warning: keys[1](hs).secret_env: the secret is 40 bytes; "
                    + "RFC 7518 §3.2 asks for at least 64 with HS512"
            ]
        )
    }

    @Test func wrongTypesForWholeSections() throws {
        let fixture = try RulesFixture()
        let text = "routes = 5\nserver = []\n\n[[upstreams]]\nname = \"orders\"\ntargets = \"127.0.0.1:9000\"\n"
        #expect(
            fixture.problems(text) == [
                "gateway.conf:1:10: error: routes: expected an array of tables ([[routes]] entries), found an integer",
                "gateway.conf:2:10: error: server: expected a table, found an array",
                "gateway.conf:6:11: error: upstreams[1](orders).targets: expected an array of strings, found a string",
            ]
        )
    }

    @Test func anInvalidEntryStillHasEveryProblemReported() throws {
        let fixture = try RulesFixture()
        let text = minimalRoutes + "[[routes]]\npath = \"/b\"\nupstream = \"orders\"\nstrip_prefix = \"yes\"\n"
        #expect(
            fixture.problems(text) == [
                "gateway.conf:9:1: error: routes[2].name: required key is missing",
                "gateway.conf:12:16: error: routes[2].strip_prefix: expected a boolean, found a string",
            ]
        )
    }
}
