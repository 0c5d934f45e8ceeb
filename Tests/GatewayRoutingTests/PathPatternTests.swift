import GatewayRouting
import Testing

@Suite("PathPattern")
struct PathPatternTests {
    @Test("an exact path matches itself only")
    func exact() {
        let pattern = PathPattern.exact("/exact")
        #expect(pattern.matches("/exact"))
        #expect(!pattern.matches("/exact/"))
        #expect(!pattern.matches("/exact/1"))
        #expect(!pattern.matches("/exac"))
        #expect(!pattern.matches("/exactly"))
    }

    @Test("a prefix matches whole segments", arguments: ["/orders", "/orders/"])
    func prefix(_ configured: String) {
        let pattern = PathPattern.prefix(configured)
        #expect(pattern.matches("/orders"))
        #expect(pattern.matches("/orders/"))
        #expect(pattern.matches("/orders/1"))
        #expect(pattern.matches("/orders/1/items/"))
        #expect(!pattern.matches("/ordersX"))
        #expect(!pattern.matches("/orders.json"))
        #expect(!pattern.matches("/order"))
        #expect(!pattern.matches("/"))
        #expect(!pattern.matches("/v1/orders"))
    }

    @Test("a multi-segment prefix matches whole segments")
    func deepPrefix() {
        let pattern = PathPattern.prefix("/api/v1")
        #expect(pattern.matches("/api/v1/users"))
        #expect(!pattern.matches("/api/v10"))
        #expect(!pattern.matches("/api"))
    }

    @Test("the root prefix matches everything")
    func rootPrefix() {
        let pattern = PathPattern.prefix("/")
        #expect(pattern.matches("/"))
        #expect(pattern.matches("/anything"))
        #expect(pattern.matches("/a/b/"))
    }

    @Test(
        "strip_prefix leaves the rest of the path, at least '/'",
        arguments: [
            (PathPattern.prefix("/orders"), "/orders/1", "/1"),
            (.prefix("/orders"), "/orders", "/"),
            (.prefix("/orders"), "/orders/", "/"),
            (.prefix("/orders"), "/orders/a/b/", "/a/b/"),
            (.prefix("/orders/"), "/orders/1", "/1"),
            (.prefix("/orders/"), "/orders", "/"),
            (.prefix("/api/v1"), "/api/v1/users/7", "/users/7"),
            (.prefix("/"), "/a/b", "/a/b"),
            (.prefix("/"), "/", "/"),
            (.exact("/exact"), "/exact", "/"),
            (.prefix("/orders"), "/ordersX", "/ordersX"),
            (.exact("/exact"), "/other", "/other"),
        ]
    )
    func strip(_ pattern: PathPattern, _ path: String, _ expected: String) {
        #expect(pattern.strip(from: path) == expected)
    }

    @Test("configured paths are normalised like request paths")
    func fromRulesFile() throws {
        #expect(try PathPattern(path: "/a/%7Eb/../c") == .exact("/a/c"))
        #expect(try PathPattern(pathPrefix: "//orders/%6fpen/") == .prefix("/orders/open/"))
        #expect(try PathPattern(pathPrefix: "/caf\u{E9}") == .prefix("/caf%C3%A9"))
        #expect(throws: BadPath.aboveRoot) { try PathPattern(path: "/../x") }
        #expect(throws: BadPath.notAbsolute) { try PathPattern(pathPrefix: "orders") }
        #expect(throws: BadPath.encodedSlash) { try PathPattern(pathPrefix: "/a%2Fb") }
    }
}
