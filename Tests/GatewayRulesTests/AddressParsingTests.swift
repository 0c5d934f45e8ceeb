import Testing

@testable import GatewayRules

/// Listen addresses, upstream targets, CIDRs, route host patterns and Redis URLs.
struct AddressParsingTests {
    @Test func listenAddresses() throws {
        #expect(try ListenAddress(parsing: "127.0.0.1:8080") == ListenAddress(host: "127.0.0.1", port: 8080))
        #expect(try ListenAddress(parsing: "[::]:443") == ListenAddress(host: "::", port: 443))
        #expect(try ListenAddress(parsing: "localhost:1") == ListenAddress(host: "localhost", port: 1))
        #expect(try ListenAddress(parsing: "0.0.0.0:0") == ListenAddress(host: "0.0.0.0", port: 0))
        #expect(throws: ValueError("port must be a number from 0 to 65535")) { try ListenAddress(parsing: "0.0.0.0:65536") }
        #expect(throws: ValueError("missing port; write host:port, as in \"127.0.0.1:8080\"")) {
            try ListenAddress(parsing: "127.0.0.1")
        }
        #expect(throws: ValueError("missing host; use 0.0.0.0 or [::] for every address")) {
            try ListenAddress(parsing: ":8080")
        }
        #expect(throws: ValueError("\"300.1.1.1\" is not an IPv4 address")) {
            try ListenAddress(parsing: "300.1.1.1:80")
        }
        #expect(throws: ValueError("\"::g\" is not an IPv6 address")) { try ListenAddress(parsing: "[::g]:80") }
        #expect(throws: ValueError("\"*\" is not a valid host name")) { try ListenAddress(parsing: "*:80") }
    }

    @Test func upstreamTargets() throws {
        #expect(try UpstreamTarget(parsing: "10.0.0.5:9000") == UpstreamTarget(host: "10.0.0.5", port: 9000))
        #expect(
            try UpstreamTarget(parsing: "https://api.internal")
                == UpstreamTarget(scheme: .https, host: "api.internal", port: 443)
        )
        #expect(try UpstreamTarget(parsing: "HTTP://[::1]:81/") == UpstreamTarget(host: "::1", port: 81))
        #expect(throws: ValueError("a target is host:port only, without a path")) {
            try UpstreamTarget(parsing: "https://api.internal/v1")
        }
        #expect(throws: ValueError("user info is not allowed in a target")) {
            try UpstreamTarget(parsing: "http://u@h:1")
        }
        #expect(UpstreamTarget(scheme: .https, host: "::1", port: 8443).description == "https://[::1]:8443")
    }

    @Test func cidrs() throws {
        #expect(try CIDR(parsing: "10.1.2.3/8") == CIDR(address: [10, 0, 0, 0], prefixLength: 8))
        #expect(try CIDR(parsing: "192.168.0.0/17").contains([192, 168, 127, 255]))
        #expect(try !CIDR(parsing: "192.168.0.0/17").contains([192, 168, 128, 0]))
        #expect(try CIDR(parsing: "::1") == CIDR(address: [UInt8](repeating: 0, count: 15) + [1], prefixLength: 128))
        #expect(try CIDR(parsing: "2001:db8::/32").contains(IPAddress.parseV6("2001:db8:ffff::1")!))
        #expect(try CIDR(parsing: "0.0.0.0/0").prefixLength == 0)
        #expect(throws: ValueError("prefix length must be a number from 0 to 32")) { try CIDR(parsing: "10.0.0.0/33") }
        #expect(throws: ValueError("\"10.0.0\" is not an IPv4 or IPv6 address")) { try CIDR(parsing: "10.0.0/8") }
    }

    @Test func ipv6Forms() {
        #expect(IPAddress.parseV6("::ffff:10.0.0.1") == [UInt8](repeating: 0, count: 10) + [0xff, 0xff, 10, 0, 0, 1])
        #expect(IPAddress.parseV6("1:2:3:4:5:6:7:8")?.last == 8)
        #expect(IPAddress.parseV6("1::2::3") == nil)
        #expect(IPAddress.parseV6("1:2:3:4:5:6:7:8:9") == nil)
        #expect(IPAddress.parseV6("12345::") == nil)
        #expect(IPAddress.parseV6("fe80::1%eth0") == nil)
    }

    @Test func routeHostPatterns() throws {
        #expect(try RouteRule.Host(parsing: "API.Example.com") == .exact("api.example.com"))
        #expect(try RouteRule.Host(parsing: "*.example.com") == .wildcard(suffix: ".example.com"))
        #expect(throws: ValueError("only a leading \"*.\" is allowed, as in \"*.example.com\"")) {
            try RouteRule.Host(parsing: "*example.com")
        }
        #expect(throws: ValueError("no port here: the Host port is ignored when matching")) {
            try RouteRule.Host(parsing: "api.example.com:443")
        }
        #expect(throws: ValueError("expected \"*.\" followed by a host name, as in \"*.example.com\"")) {
            try RouteRule.Host(parsing: "*.")
        }
    }

    @Test func redisURLs() throws {
        #expect(try RedisLocation(parsing: "redis://127.0.0.1:6379") == RedisLocation(host: "127.0.0.1"))
        #expect(try RedisLocation(parsing: "redis://cache/3") == RedisLocation(host: "cache", database: 3))
        let withPassword = try RedisLocation(parsing: "redis://:s3cret@[::1]:7000/1")
        #expect(
            withPassword
                == RedisLocation(
                    host: "::1",
                    port: 7000,
                    database: 1,
                    password: Secret(bytes: Array("s3cret".utf8), source: .inline)
                )
        )
        #expect(withPassword.description == "redis://[::1]:7000/1")
        // rediss://: TLS; the description never shows the user name or password.
        let tls = try RedisLocation(parsing: "rediss://gw:p%40ss@cache.internal:6380/2")
        #expect(
            tls
                == RedisLocation(
                    host: "cache.internal",
                    port: 6380,
                    database: 2,
                    username: "gw",
                    password: Secret(bytes: Array("p@ss".utf8), source: .inline),
                    tls: true
                )
        )
        #expect(tls.description == "rediss://cache.internal:6380/2")
        #expect(!"\(tls)".contains("p@ss") && !String(reflecting: tls).contains("p@ss"))
        #expect(try RedisLocation(parsing: "redis://cache").tls == false)
        #expect(
            throws: ValueError(
                "expected \"memory\" or a URL redis://[user[:password]@]host[:port][/db] (rediss:// for TLS)"
            )
        ) {
            try RedisLocation(parsing: "redis+tls://cache")
        }
        #expect(throws: ValueError("invalid host or port in the redis URL")) {
            try RedisLocation(parsing: "redis://u:pw@cache:99999")
        }
    }

    @Test func rateLimits() throws {
        #expect(
            try RateLimitRule(parsing: "5000/h", burst: nil)
                == RateLimitRule(count: 5000, period: .seconds(3600), burst: 5000)
        )
        #expect(throws: ValueError("expected COUNT/s, COUNT/m or COUNT/h, as in \"100/s\"")) {
            try RateLimitRule(parsing: "100/d", burst: nil)
        }
    }
}
