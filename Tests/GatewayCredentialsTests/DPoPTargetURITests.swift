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
}
