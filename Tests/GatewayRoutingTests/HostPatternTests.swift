import GatewayRouting
import Testing

@Suite("HostPattern")
struct HostPatternTests {
    @Test(
        "rules-file hosts parse into lowercased patterns",
        arguments: [
            ("api.example.com", HostPattern.exact("api.example.com")),
            ("API.Example.com", .exact("api.example.com")),
            ("example.com.", .exact("example.com")),
            ("10.0.0.1", .exact("10.0.0.1")),
            ("[2001:DB8::1]", .exact("[2001:db8::1]")),
            ("*.example.com", .wildcard(suffix: ".example.com")),
            ("*.Example.COM", .wildcard(suffix: ".example.com")),
            ("*.com", .wildcard(suffix: ".com")),
        ]
    )
    func parses(_ text: String, _ expected: HostPattern) {
        #expect(HostPattern(parsing: text) == expected)
    }

    @Test(
        "malformed rules-file hosts are refused",
        arguments: [
            "", "*", "*.", ".", "**.example.com", "*.*.example.com", "a.*.example.com", "*a.example.com",
            "a*.example.com", "api.*", "api.example.com:8080", "[::1]:8080", "*.example.com:443", "api example.com",
            " api.example.com", "api/example", ".example.com", "api..example.com", "ex\u{E4}mple.com", "[::1",
            "https://api.example.com",
        ]
    )
    func refuses(_ text: String) {
        #expect(HostPattern(parsing: text) == nil)
    }

    @Test("an exact host matches itself only")
    func exact() {
        let pattern = HostPattern.exact("api.example.com")
        #expect(pattern.matches("api.example.com"))
        #expect(!pattern.matches("x.api.example.com"))
        #expect(!pattern.matches("example.com"))
        #expect(!pattern.matches("api.example.co"))
    }

    @Test("a wildcard matches one or more labels before its suffix, never the suffix itself")
    func wildcard() {
        let pattern = HostPattern.wildcard(suffix: ".example.com")
        #expect(pattern.matches("a.example.com"))
        #expect(pattern.matches("a.b.example.com"))
        #expect(!pattern.matches("example.com"))
        #expect(!pattern.matches(".example.com"))
        #expect(!pattern.matches("badexample.com"))
        #expect(!pattern.matches("a.example.com.evil.org"))
        #expect(!pattern.matches("a.example.org"))
    }

    @Test("a wildcard suffix built without its leading dot still matches whole labels")
    func wildcardWithoutDot() {
        let pattern = HostPattern.wildcard(suffix: "example.com")
        #expect(pattern.matches("a.example.com"))
        #expect(!pattern.matches("badexample.com"))
        #expect(!pattern.matches("example.com"))
    }

    @Test("no host pattern matches every host")
    func any() {
        #expect(HostPattern.any.matches("api.example.com"))
        #expect(HostPattern.any.matches("[::1]"))
    }

    @Test("a parsed pattern matches what HostName.normalize gives for a differently written host")
    func parsedAgainstNormalized() throws {
        let exact = try #require(HostPattern(parsing: "Api.Example.com"))
        let wildcard = try #require(HostPattern(parsing: "*.EXAMPLE.com"))
        let host = try #require(HostName.normalize("API.example.COM.:8443"))
        #expect(exact.matches(host))
        #expect(wildcard.matches(host))
    }
}
