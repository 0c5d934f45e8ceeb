import Testing

@testable import GatewayCredentials

/// RFC 9449 §4.3 step 9 compares `htu` after RFC 3986 §6.2.2 / §6.2.3 normalisation.
@Suite struct DPoPTargetURITests {
    func normalized(_ uri: String) -> String? { DPoPTargetURI.normalized(uri[...]) }

    @Test func schemeAndHostAreLowercasedAndDefaultPortsDropped() {
        #expect(self.normalized("HTTPS://API.Example.com:443/a") == "https://api.example.com/a")
        #expect(self.normalized("http://api.example.com:80/a") == "http://api.example.com/a")
        #expect(self.normalized("http://api.example.com:/a") == "http://api.example.com/a")
        #expect(self.normalized("https://api.example.com:8443/a") == "https://api.example.com:8443/a")
        #expect(self.normalized("http://[::1]:8080/a") == "http://[::1]:8080/a")
    }

    @Test func queryFragmentAndEmptyPath() {
        #expect(self.normalized("https://a.example/p?q=1#f") == "https://a.example/p")
        #expect(self.normalized("https://a.example") == "https://a.example/")
        #expect(self.normalized("https://a.example?q") == "https://a.example/")
    }

    @Test func percentEncodingAndDotSegments() {
        #expect(self.normalized("https://a.example/%7euser/%2f%41") == "https://a.example/~user/%2FA")
        #expect(self.normalized("https://a.example/a/./b/../c") == "https://a.example/a/c")
        #expect(self.normalized("https://a.example/../a") == "https://a.example/a")
        #expect(self.normalized("https://a.example/a/b/..") == "https://a.example/a/")
        #expect(self.normalized("https://a.example/%zz") == nil)
        #expect(self.normalized("https://a.example/%4") == nil)
    }

    @Test func onlyAbsoluteHTTPURIsWithoutUserInformation() {
        #expect(self.normalized("/orders") == nil)
        #expect(self.normalized("ftp://a.example/x") == nil)
        #expect(self.normalized("https:///x") == nil)
        #expect(self.normalized("https://user@a.example/x") == nil)
    }

    /// The request side's shortcut gives exactly what the full normalisation gives.
    @Test func theShortcutAgreesWithTheNormalisation() {
        let cases: [(String, String, String)] = [
            ("https", "api.example.com", "/orders/7"), ("http", "127.0.0.1:18088", "/api/item"),
            ("https", "API.example.com", "/a"), ("https", "api.example.com:443", "/a"), ("http", "a.example:80", "/a"),
            ("https", "a.example:", "/a"), ("https", "a.example", "/a/./b"), ("https", "a.example", "/%7e"),
            ("https", "[::1]:8443", "/x.y/.z"), ("https", "a.example", "/a/.."),
        ]
        for (scheme, authority, path) in cases {
            let full = DPoPTargetURI.normalized("\(scheme)://\(authority)\(path)"[...])
            if let quick = DPoPTargetURI.alreadyNormalized(scheme: scheme, authority: authority, path: path[...]) {
                #expect(quick == full, "\(scheme)://\(authority)\(path)")
            }
            let request = DPoPRequest(method: "GET", scheme: scheme, authority: authority, target: path)
            #expect(request.targetURI == full, "\(scheme)://\(authority)\(path)")
        }
        #expect(DPoPTargetURI.alreadyNormalized(scheme: "https", authority: "api.example.com", path: "/orders/7") != nil)
        #expect(DPoPTargetURI.alreadyNormalized(scheme: "https", authority: "API.example.com", path: "/orders/7") == nil)
    }
}
