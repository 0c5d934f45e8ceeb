import Foundation
import GatewayRules
import Testing

/// A rules file using every key of SPEC §2 and §8, and the values it decodes to.
struct RulesLoaderTests {
    static let everyKey = """
        api_keys_file = "consumers.toml"

        [server]
        listen = ["127.0.0.1:8080", "[::1]:8443"]
        threads = 4
        tls = { cert_file = "tls/server.pem", key_file = "tls/server.key" }
        max_header_bytes = "32KiB"
        max_body_bytes = 1048576
        max_uri_bytes = "4 KiB"
        header_timeout = "5s"
        idle_timeout = "1m30s"
        shutdown_grace = "0s"
        max_connections = 500
        trusted_proxies = ["10.0.0.0/8", "fd00::/8", "192.168.1.7"]

        [admin]
        listen = "127.0.0.1:9901"

        [audit]
        sink = "audit/gateway.log"
        hash_chain = false

        [jwt]
        leeway = "45s"
        require_exp = false
        scope_claims = ["scp"]
        revoked_file = "revoked-jtis.txt"
        max_lifetime = "24h"

        [replay]
        window = "2m"
        capacity = 5000
        on_full = "reject"
        store = "redis://gw:p%40ss@cache.internal:6380/2"

        [[keys]]
        id = "auth-es256"
        alg = "ES256"
        public_key_file = "keys/auth-es256.pub.pem"
        private_key_file = "keys/auth-es256.pem"
        issuer = "https://auth.example.com"
        audiences = ["orders-api"]

        [[keys]]
        id = "legacy-hs"
        alg = "HS256"
        secret_env = "LEGACY_SECRET"

        [[keys]]
        id = "jwk-key"
        alg = "EdDSA"
        jwk_file = "keys/ed.jwk.json"

        [[keys]]
        id = "file-hs"
        alg = "HS512"
        secret_file = "keys/hs512.secret"

        [[jwks]]
        file = "keys/jwks.json"
        issuer = "https://auth.example.com"
        audiences = ["orders-api"]

        [[jwks]]
        url = "https://auth.example.com/.well-known/jwks.json"
        refresh = "5m"

        [[api_keys]]
        id = "partner-acme"
        hash = "\(testKeyHash)"
        scopes = ["orders:read"]
        subject = "acme"
        expires = "2027-06-30T00:00:00Z"
        disabled = true

        [[signing_keys]]
        id = "billing-bot"
        alg = "ed25519"
        public_key_file = "keys/billing-bot.pub.pem"
        scopes = ["billing:write"]
        subject = "billing"

        [[signing_keys]]
        id = "hmac-bot"
        alg = "hmac-sha256"
        secret_file = "keys/hmac.secret"

        [[upstreams]]
        name = "orders"
        targets = ["127.0.0.1:9000", "https://orders.internal:8443"]
        connect_timeout = "500ms"
        response_timeout = "1m"
        ca_file = "tls/upstream-ca.pem"

        [[upstreams]]
        name = "static"
        targets = ["http://static.internal"]

        [[routes]]
        name = "orders-read"
        host = "API.example.com"
        path_prefix = "/orders"
        methods = ["get", "HEAD"]
        upstream = "orders"
        auth = ["jwt", "api_key"]
        scopes = ["orders:read"]
        any_scopes = ["admin", "support"]
        audiences = ["orders-api"]
        replay = "required"
        forward_credentials = true
        strip_prefix = true
        rate_limit = "100/s"
        burst = 20

        [[routes]]
        name = "health"
        host = "*.Example.com"
        path = "/health"
        upstream = "static"
        public = true
        rate_limit = "600/m"

        [token_endpoint]
        path = "/token"
        revoke_path = "/revoke"
        signing_key = "auth-es256"
        issuer = "https://auth.example.com"
        audience = "orders-api"
        ttl = "10m"

        """

    static let consumers = """
        [[api_keys]]
        id = "bulk-1"
        hash = "sha256:\(String(repeating: "AB", count: 32))"
        expires = 2030-01-01T00:00:00+01:00
        """

    static let hmacSecret = String(repeating: "h", count: 32)
    static let hs512Secret = String(repeating: "s", count: 64)

    /// Writes `everyKey` with every file it names and loads it.
    static func loadEveryKey(_ fixture: RulesFixture) throws -> LoadedRules {
        try fixture.touch(
            "tls/server.pem",
            "tls/server.key",
            "tls/upstream-ca.pem",
            "revoked-jtis.txt",
            "keys/auth-es256.pub.pem",
            "keys/auth-es256.pem",
            "keys/ed.jwk.json",
            "keys/jwks.json",
            "keys/billing-bot.pub.pem"
        )
        try fixture.write("keys/hs512.secret", Self.hs512Secret + "\n")
        try fixture.write("keys/hmac.secret", Self.hmacSecret + "\r\n")
        try fixture.write("consumers.toml", Self.consumers)
        try FileManager.default.createDirectory(atPath: fixture.directory + "/audit", withIntermediateDirectories: true)
        return try fixture.load(Self.everyKey, environment: ["LEGACY_SECRET": String(repeating: "x", count: 40)])
    }

    @Test func serverAdminAuditJWTAndReplay() throws {
        let fixture = try RulesFixture()
        let loaded = try Self.loadEveryKey(fixture)
        let rules = loaded.rules
        let dir = fixture.directory
        #expect(loaded.warnings.isEmpty)
        #expect(rules.sourcePath == fixture.rulesPath)
        #expect(
            rules.server
                == ServerRules(
                    listen: [ListenAddress(host: "127.0.0.1", port: 8080), ListenAddress(host: "::1", port: 8443)],
                    threads: 4,
                    tls: TLSRules(certFile: dir + "/tls/server.pem", keyFile: dir + "/tls/server.key"),
                    maxHeaderBytes: 32 * 1024,
                    maxBodyBytes: 1_048_576,
                    maxURIBytes: 4 * 1024,
                    headerTimeout: .seconds(5),
                    idleTimeout: .seconds(90),
                    shutdownGrace: .zero,
                    maxConnections: 500,
                    trustedProxies: [
                        CIDR(address: [10, 0, 0, 0], prefixLength: 8),
                        CIDR(address: [0xfd] + [UInt8](repeating: 0, count: 15), prefixLength: 8),
                        CIDR(address: [192, 168, 1, 7], prefixLength: 32),
                    ]
                )
        )
        #expect(rules.admin == AdminRules(listen: ListenAddress(host: "127.0.0.1", port: 9901)))
        #expect(rules.audit == AuditRules(sink: .file(dir + "/audit/gateway.log"), hashChain: false))
        #expect(
            rules.jwt
                == JWTRules(
                    leeway: .seconds(45),
                    requireExp: false,
                    scopeClaims: ["scp"],
                    revokedFile: dir + "/revoked-jtis.txt",
                    maxLifetime: .seconds(86_400)
                )
        )
        let redis = RedisLocation(
            host: "cache.internal",
            port: 6380,
            database: 2,
            username: "gw",
            password: Secret(bytes: Array("p@ss".utf8), source: .inline)
        )
        #expect(
            rules.replay == ReplayRules(window: .seconds(120), capacity: 5000, onFull: .reject, store: .redis(redis))
        )
    }

    @Test func keysAndJWKS() throws {
        let fixture = try RulesFixture()
        let rules = try Self.loadEveryKey(fixture).rules
        let dir = fixture.directory
        #expect(
            rules.keys == [
                KeyRule(
                    id: "auth-es256",
                    alg: .es256,
                    material: .publicKeyFile(dir + "/keys/auth-es256.pub.pem"),
                    privateKeyFile: dir + "/keys/auth-es256.pem",
                    issuer: "https://auth.example.com",
                    audiences: ["orders-api"]
                ),
                KeyRule(
                    id: "legacy-hs",
                    alg: .hs256,
                    material: .secret(
                        Secret(
                            bytes: Array(repeating: UInt8(ascii: "x"), count: 40),
                            source: .environment("LEGACY_SECRET")
                        )
                    )
                ),
                KeyRule(id: "jwk-key", alg: .eddsa, material: .jwkFile(dir + "/keys/ed.jwk.json")),
                KeyRule(
                    id: "file-hs",
                    alg: .hs512,
                    material: .secret(
                        Secret(bytes: Array(Self.hs512Secret.utf8), source: .file(dir + "/keys/hs512.secret"))
                    )
                ),
            ]
        )
        #expect(
            rules.jwks == [
                JWKSRule(
                    source: .file(dir + "/keys/jwks.json"),
                    issuer: "https://auth.example.com",
                    audiences: ["orders-api"]
                ),
                JWKSRule(source: .url("https://auth.example.com/.well-known/jwks.json", refresh: .seconds(300))),
            ]
        )
    }

    @Test func apiKeysInlineThenFromTheFile() throws {
        let fixture = try RulesFixture()
        let rules = try Self.loadEveryKey(fixture).rules
        let acmeHash: [UInt8] = [
            0xc8, 0x4c, 0x8b, 0x6a, 0x56, 0xda, 0xfa, 0xb8, 0xe9, 0x59, 0x50, 0x61, 0x03, 0xbc, 0x05, 0x69,
            0x28, 0x50, 0x79, 0xa8, 0x14, 0x09, 0x5f, 0xb4, 0xa4, 0xd0, 0x31, 0x5c, 0x89, 0xbd, 0x2f, 0x57,
        ]
        #expect(
            rules.apiKeys == [
                APIKeyRule(
                    id: "partner-acme",
                    hash: acmeHash,
                    scopes: ["orders:read"],
                    subject: "acme",
                    expires: 1_814_313_600,
                    disabled: true
                ),
                APIKeyRule(
                    id: "bulk-1",
                    hash: [UInt8](repeating: 0xab, count: 32),
                    subject: nil,
                    expires: 1_893_452_400
                ),
            ]
        )
        #expect(rules.apiKeys[1].subject == "bulk-1")
    }

    @Test func signingKeysUpstreamsRoutesAndTokenEndpoint() throws {
        let fixture = try RulesFixture()
        let rules = try Self.loadEveryKey(fixture).rules
        let dir = fixture.directory
        #expect(
            rules.signingKeys == [
                SigningKeyRule(
                    id: "billing-bot",
                    alg: .ed25519,
                    material: .publicKeyFile(dir + "/keys/billing-bot.pub.pem"),
                    scopes: ["billing:write"],
                    subject: "billing"
                ),
                SigningKeyRule(
                    id: "hmac-bot",
                    alg: .hmacSHA256,
                    material: .secret(
                        Secret(bytes: Array(Self.hmacSecret.utf8), source: .file(dir + "/keys/hmac.secret"))
                    )
                ),
            ]
        )
        #expect(
            rules.upstreams == [
                UpstreamRule(
                    name: "orders",
                    targets: [
                        UpstreamTarget(host: "127.0.0.1", port: 9000),
                        UpstreamTarget(scheme: .https, host: "orders.internal", port: 8443),
                    ],
                    connectTimeout: .milliseconds(500),
                    responseTimeout: .seconds(60),
                    caFile: dir + "/tls/upstream-ca.pem"
                ),
                UpstreamRule(name: "static", targets: [UpstreamTarget(host: "static.internal", port: 80)]),
            ]
        )
        #expect(
            rules.routes == [
                RouteRule(
                    name: "orders-read",
                    host: .exact("api.example.com"),
                    path: .prefix("/orders"),
                    methods: ["GET", "HEAD"],
                    upstream: "orders",
                    auth: [.jwt, .apiKey],
                    scopes: ["orders:read"],
                    anyScopes: ["admin", "support"],
                    audiences: ["orders-api"],
                    replay: .required,
                    forwardCredentials: true,
                    stripPrefix: true,
                    rateLimit: RateLimitRule(count: 100, period: .seconds(1), burst: 20)
                ),
                RouteRule(
                    name: "health",
                    host: .wildcard(suffix: ".example.com"),
                    path: .exact("/health"),
                    upstream: "static",
                    rateLimit: RateLimitRule(count: 600, period: .seconds(60)),
                    isPublic: true
                ),
            ]
        )
        #expect(
            rules.tokenEndpoint
                == TokenEndpointRules(
                    path: "/token",
                    revokePath: "/revoke",
                    signingKey: "auth-es256",
                    issuer: "https://auth.example.com",
                    audience: "orders-api",
                    ttl: .seconds(600)
                )
        )
    }

    @Test func absentKeysTakeTheDefaultsSPECShows() throws {
        let fixture = try RulesFixture()
        let rules = try fixture.load(minimalRoutes).rules
        #expect(rules.server == ServerRules())
        #expect(rules.server.listen == [ListenAddress(host: "127.0.0.1", port: 8080)])
        #expect(rules.server.maxBodyBytes == 10 * 1024 * 1024)
        #expect(rules.admin == nil)
        #expect(rules.audit == AuditRules(sink: .stdout, hashChain: true))
        #expect(rules.jwt == JWTRules(leeway: .seconds(30), requireExp: true, scopeClaims: ["scope", "scp"]))
        #expect(
            rules.replay == ReplayRules(window: .seconds(300), capacity: 1_000_000, onFull: .reject, store: .memory)
        )
        #expect(rules.tokenEndpoint == nil)
        let route = try #require(rules.routes.first)
        #expect(route.auth == [.jwt, .apiKey, .signature])
        #expect(route.methods == nil && route.host == nil && route.rateLimit == nil && !route.isPublic)
        #expect(route.replay == .off && !route.forwardCredentials && !route.stripPrefix)
        #expect(rules.upstreams.first?.connectTimeout == .seconds(2))
        #expect(rules.upstreams.first?.responseTimeout == .seconds(30))
    }

    @Test func tokenEndpointDefaultsAndTheKeysIssuer() throws {
        let fixture = try RulesFixture()
        try fixture.touch("k.pub.pem", "k.pem")
        let text =
            minimalRoutes + """
                [[keys]]
                id = "gw-es256"
                alg = "ES256"
                public_key_file = "k.pub.pem"
                private_key_file = "k.pem"
                issuer = "https://gw.example.com"

                [token_endpoint]
                signing_key = "gw-es256"
                """
        let endpoint = try fixture.load(text).rules.tokenEndpoint
        #expect(
            endpoint
                == TokenEndpointRules(
                    path: "/oauth/token",
                    revokePath: "/oauth/revoke",
                    signingKey: "gw-es256",
                    issuer: "https://gw.example.com",
                    ttl: .seconds(900)
                )
        )
    }

    @Test func jwksURLRefreshesEveryTenMinutesByDefault() throws {
        let fixture = try RulesFixture()
        let rules = try fixture.load(minimalRoutes + "[[jwks]]\nurl = \"https://idp.example.com/jwks.json\"\n").rules
        #expect(rules.jwks == [JWKSRule(source: .url("https://idp.example.com/jwks.json", refresh: .seconds(600)))])
    }

    @Test func listenTakesASingleString() throws {
        let fixture = try RulesFixture()
        let rules = try fixture.load("[server]\nlisten = \"[::]:443\"\n" + minimalRoutes).rules
        #expect(rules.server.listen == [ListenAddress(host: "::", port: 443)])
    }

    @Test func theSourceIsKeptForLaterStages() throws {
        let fixture = try RulesFixture()
        let loaded = try fixture.load(minimalRoutes)
        #expect(loaded.source.path == fixture.rulesPath)
        #expect(loaded.source.locate(keyPath: "routes[1](orders-read).upstream")?.line == 8)
    }
}
