import GatewayRouting
import Testing

@Suite("HostName")
struct HostNameTests {
    @Test(
        "hosts are lowercased, without port or trailing dot, IPv6 brackets kept",
        arguments: [
            ("api.example.com", "api.example.com"),
            ("API.Example.COM", "api.example.com"),
            ("api.example.com:443", "api.example.com"),
            ("API.Example.com:443", "api.example.com"),
            ("example.com.", "example.com"),
            ("Example.COM.:8080", "example.com"),
            ("localhost", "localhost"),
            ("localhost:0", "localhost"),
            ("localhost:65535", "localhost"),
            ("127.0.0.1:8080", "127.0.0.1"),
            ("my_host-1.internal", "my_host-1.internal"),
            ("xn--bcher-kva.example", "xn--bcher-kva.example"),
            ("[::1]", "[::1]"),
            ("[::1]:8080", "[::1]"),
            ("[2001:DB8::1]:443", "[2001:db8::1]"),
            ("[::ffff:192.0.2.1]", "[::ffff:192.0.2.1]"),
        ]
    )
    func normalizes(_ header: String, _ expected: String) {
        #expect(HostName.normalize(header) == expected)
        #expect(Array(header.utf8).withUnsafeBytes { HostName.normalize(bytes: $0) } == expected)
    }

    @Test(
        "malformed hosts are refused",
        arguments: [
            "", " ", "api example.com", " example.com", "example.com ", "exa\tmple.com", "example.com\r\n",
            "example.com\u{0}", "\u{7F}", "example.com:", "example.com:http", "example.com:65536",
            "example.com:123456", "example.com:-1", "example.com:+80", "example.com:80:80", "example.com: 80",
            "[::1", "::1]", "[::1]x", "[::1]:", "[::1]:99999", "[::1]]", "[]", "[v1.fe]", "[::1%25eth0]",
            "[example.com]", "::1", "a..b", ".example.com", "example.com..", ".", ":80", "exa/mple.com",
            "user@example.com", "ex\u{E4}mple.com", "*.example.com", "example.com\\", "%65xample.com",
        ]
    )
    func refuses(_ header: String) {
        #expect(HostName.normalize(header) == nil)
        #expect(Array(header.utf8).withUnsafeBytes { HostName.normalize(bytes: $0) } == nil)
    }

    @Test("DNS length limits: 63 bytes a label, 253 in all (RFC 1035 §2.3.4)")
    func lengthLimits() {
        let label63 = String(repeating: "a", count: 63)
        #expect(HostName.normalize(label63 + ".example") == label63 + ".example")
        #expect(HostName.normalize(label63 + "a.example") == nil)
        let name253 = [label63, label63, label63, String(repeating: "b", count: 61)].joined(separator: ".")
        #expect(name253.utf8.count == 253)
        #expect(HostName.normalize(name253) == name253)
        #expect(HostName.normalize(name253 + ".") == name253)
        #expect(HostName.normalize(name253 + "b") == nil)
    }
}
