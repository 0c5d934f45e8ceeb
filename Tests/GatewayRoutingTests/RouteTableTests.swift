import GatewayRouting
import Testing

@Suite("RouteTable")
struct RouteTableTests {
    /// A table whose payloads are the routes' names.
    private func table(_ routes: [(HostPattern, PathPattern, [String]?, String)]) -> RouteTable<String> {
        RouteTable(routes.map { RouteEntry(host: $0.0, path: $0.1, methods: $0.2, payload: $0.3) })
    }

    @Test("the most specific host wins: exact, then wildcard, then none — whatever the file order")
    func hostSpecificity() {
        let table = self.table([
            (.any, .prefix("/"), nil, "any"),
            (.wildcard(suffix: ".example.com"), .prefix("/"), nil, "wildcard"),
            (.exact("api.example.com"), .prefix("/"), nil, "exact"),
        ])
        #expect(table.match(host: "api.example.com", path: "/x", method: "GET") == .matched("exact", index: 2))
        #expect(table.match(host: "www.example.com", path: "/x", method: "GET") == .matched("wildcard", index: 1))
        #expect(table.match(host: "a.api.example.com", path: "/", method: "GET") == .matched("wildcard", index: 1))
        #expect(table.match(host: "example.com", path: "/x", method: "GET") == .matched("any", index: 0))
        #expect(table.match(host: "example.org", path: "/x", method: "GET") == .matched("any", index: 0))
    }

    @Test("a longer wildcard suffix is more specific than a shorter one")
    func wildcardDepth() {
        let table = self.table([
            (.wildcard(suffix: ".example.com"), .prefix("/"), nil, "shallow"),
            (.wildcard(suffix: ".b.example.com"), .prefix("/"), nil, "deep"),
        ])
        #expect(table.match(host: "a.b.example.com", path: "/", method: "GET") == .matched("deep", index: 1))
        #expect(table.match(host: "x.a.b.example.com", path: "/", method: "GET") == .matched("deep", index: 1))
        #expect(table.match(host: "b.example.com", path: "/", method: "GET") == .matched("shallow", index: 0))
        #expect(table.match(host: "a.c.example.com", path: "/", method: "GET") == .matched("shallow", index: 0))
        #expect(table.match(host: "example.com", path: "/", method: "GET") == .noRoute)
        #expect(table.match(host: "badexample.com", path: "/", method: "GET") == .noRoute)
    }

    @Test("host specificity comes before path length")
    func hostBeforePath() {
        let table = self.table([
            (.any, .prefix("/orders/1"), nil, "long path"),
            (.wildcard(suffix: ".example.com"), .prefix("/orders"), nil, "wildcard"),
            (.exact("api.example.com"), .prefix("/"), nil, "exact host"),
        ])
        #expect(
            table.match(host: "api.example.com", path: "/orders/1", method: "GET") == .matched("exact host", index: 2)
        )
        #expect(
            table.match(host: "www.example.com", path: "/orders/1", method: "GET") == .matched("wildcard", index: 1)
        )
        #expect(table.match(host: "other.org", path: "/orders/1", method: "GET") == .matched("long path", index: 0))
    }

    @Test("the longest path wins, segment by segment")
    func longestPath() {
        let table = self.table([
            (.any, .prefix("/"), nil, "root"),
            (.any, .prefix("/orders"), nil, "orders"),
            (.any, .prefix("/orders/items"), nil, "items"),
        ])
        #expect(table.match(host: "h", path: "/orders/items/3", method: "GET") == .matched("items", index: 2))
        #expect(table.match(host: "h", path: "/orders/items", method: "GET") == .matched("items", index: 2))
        #expect(table.match(host: "h", path: "/orders/itemsX", method: "GET") == .matched("orders", index: 1))
        #expect(table.match(host: "h", path: "/orders/", method: "GET") == .matched("orders", index: 1))
        #expect(table.match(host: "h", path: "/orders", method: "GET") == .matched("orders", index: 1))
        #expect(table.match(host: "h", path: "/ordersX", method: "GET") == .matched("root", index: 0))
        #expect(table.match(host: "h", path: "/", method: "GET") == .matched("root", index: 0))
    }

    @Test("a prefix never matches part of a segment")
    func segmentWisePrefix() {
        let table = self.table([(.any, .prefix("/orders"), nil, "orders")])
        #expect(table.match(host: "h", path: "/ordersX", method: "GET") == .noRoute)
        #expect(table.match(host: "h", path: "/order", method: "GET") == .noRoute)
        #expect(table.match(host: "h", path: "/orders/x", method: "GET") == .matched("orders", index: 0))
    }

    @Test("an exact path beats a prefix of the same length, whatever the file order")
    func exactBeatsEqualPrefix() {
        let table = self.table([
            (.any, .prefix("/orders"), nil, "prefix"),
            (.any, .exact("/orders"), nil, "exact"),
        ])
        #expect(table.match(host: "h", path: "/orders", method: "GET") == .matched("exact", index: 1))
        #expect(table.match(host: "h", path: "/orders/1", method: "GET") == .matched("prefix", index: 0))
        #expect(table.match(host: "h", path: "/orders/", method: "GET") == .matched("prefix", index: 0))
    }

    @Test("an exact path is chosen for that path only")
    func exactPathAgainstLongerPrefix() {
        let table = self.table([
            (.any, .exact("/a/b/"), nil, "exact"),
            (.any, .prefix("/a"), nil, "prefix"),
        ])
        #expect(table.match(host: "h", path: "/a/b/", method: "GET") == .matched("exact", index: 0))
        #expect(table.match(host: "h", path: "/a/b", method: "GET") == .matched("prefix", index: 1))
    }

    @Test("equally specific routes: the first in the file wins")
    func fileOrder() {
        let table = self.table([
            (.exact("api.example.com"), .prefix("/orders"), nil, "first"),
            (.exact("api.example.com"), .prefix("/orders"), nil, "second"),
            (.any, .prefix("/x/"), nil, "x with slash"),
            (.any, .prefix("/x"), nil, "x"),
        ])
        #expect(table.match(host: "api.example.com", path: "/orders/1", method: "GET") == .matched("first", index: 0))
        // A trailing slash in a prefix changes nothing: neither more nor less specific.
        #expect(table.match(host: "h", path: "/x", method: "GET") == .matched("x with slash", index: 2))
        #expect(table.match(host: "h", path: "/x/1", method: "GET") == .matched("x with slash", index: 2))
    }

    @Test("a route that allows GET allows HEAD")
    func headViaGet() {
        let table = self.table([(.any, .prefix("/"), ["GET"], "read")])
        #expect(table.match(host: "h", path: "/a", method: "HEAD") == .matched("read", index: 0))
        #expect(table.match(host: "h", path: "/a", method: "GET") == .matched("read", index: 0))
        #expect(table.match(host: "h", path: "/a", method: "POST") == .methodNotAllowed(allow: ["GET", "HEAD"]))
    }

    @Test("HEAD alone does not allow GET")
    func headAlone() {
        let table = self.table([(.any, .prefix("/"), ["HEAD"], "head")])
        #expect(table.match(host: "h", path: "/", method: "HEAD") == .matched("head", index: 0))
        #expect(table.match(host: "h", path: "/", method: "GET") == .methodNotAllowed(allow: ["HEAD"]))
    }

    @Test("a route without methods allows every method")
    func allMethods() {
        let table = self.table([(.any, .prefix("/"), nil, "all")])
        for method in ["GET", "POST", "DELETE", "PURGE", "PROPFIND"] {
            #expect(table.match(host: "h", path: "/", method: method) == .matched("all", index: 0))
        }
    }

    @Test("configured methods are compared uppercased; request methods as sent (RFC 9110 §9.1)")
    func methodCase() {
        let table = self.table([(.any, .prefix("/"), ["get", "Post"], "r")])
        #expect(table.match(host: "h", path: "/", method: "GET") == .matched("r", index: 0))
        #expect(table.match(host: "h", path: "/", method: "POST") == .matched("r", index: 0))
        #expect(table.match(host: "h", path: "/", method: "HEAD") == .matched("r", index: 0))
        #expect(table.match(host: "h", path: "/", method: "get") == .methodNotAllowed(allow: ["GET", "HEAD", "POST"]))
    }

    @Test("a less specific route that allows the method is chosen over a more specific one that does not")
    func methodBeforeSpecificity() {
        let table = self.table([
            (.exact("api.example.com"), .exact("/orders"), ["GET"], "read"),
            (.any, .prefix("/"), ["POST"], "write"),
        ])
        #expect(table.match(host: "api.example.com", path: "/orders", method: "GET") == .matched("read", index: 0))
        #expect(table.match(host: "api.example.com", path: "/orders", method: "POST") == .matched("write", index: 1))
    }

    @Test("405 lists the union of the methods of every route matching host and path, sorted and unique")
    func allowUnion() {
        let table = self.table([
            (.exact("api.example.com"), .exact("/orders"), ["GET", "GET"], "exact"),
            (.wildcard(suffix: ".example.com"), .prefix("/orders"), ["POST", "PATCH"], "wildcard"),
            (.any, .prefix("/"), ["PUT"], "any"),
            (.any, .prefix("/other"), ["DELETE"], "other path"),
            (.exact("www.example.com"), .prefix("/"), ["OPTIONS"], "other host"),
        ])
        #expect(
            table.match(host: "api.example.com", path: "/orders", method: "DELETE")
                == .methodNotAllowed(allow: ["GET", "HEAD", "PATCH", "POST", "PUT"])
        )
        #expect(
            table.match(host: "api.example.com", path: "/orders/1", method: "DELETE")
                == .methodNotAllowed(allow: ["PATCH", "POST", "PUT"])
        )
        #expect(
            table.match(host: "x.org", path: "/orders", method: "DELETE") == .methodNotAllowed(allow: ["PUT"])
        )
    }

    @Test("more than 64 distinct methods across the rules are told apart")
    func manyMethods() {
        let methods = (0..<70).map { "M\($0 < 10 ? "0" : "")\($0)" }
        var routes: [(HostPattern, PathPattern, [String]?, String)] = methods.map {
            (.any, .prefix("/m"), [$0], "route \($0)")
        }
        routes.append((.any, .prefix("/all"), nil, "all"))
        let table = self.table(routes)
        #expect(table.match(host: "h", path: "/m", method: "M69") == .matched("route M69", index: 69))
        #expect(table.match(host: "h", path: "/m", method: "M64") == .matched("route M64", index: 64))
        #expect(table.match(host: "h", path: "/m", method: "M03") == .matched("route M03", index: 3))
        #expect(table.match(host: "h", path: "/m", method: "M70") == .methodNotAllowed(allow: methods))
        #expect(table.match(host: "h", path: "/all", method: "M70") == .matched("all", index: 70))
    }

    @Test("a method no route names is allowed only by routes without methods")
    func unnamedMethod() {
        let table = self.table([
            (.any, .exact("/a"), ["GET"], "get"),
            (.any, .prefix("/"), nil, "any method"),
        ])
        #expect(table.match(host: "h", path: "/a", method: "BREW") == .matched("any method", index: 1))
        #expect(table.match(host: "h", path: "/a", method: "GET") == .matched("get", index: 0))
    }

    @Test("an empty methods list allows nothing: 405 with an empty Allow (RFC 9110 §10.2.1)")
    func emptyMethods() {
        let table = self.table([(.any, .prefix("/"), [], "none")])
        #expect(table.match(host: "h", path: "/", method: "GET") == .methodNotAllowed(allow: []))
    }

    @Test("no route for the host and path: 404, never 405")
    func noRoute() {
        let table = self.table([
            (.exact("api.example.com"), .prefix("/orders"), ["GET"], "orders"),
            (.wildcard(suffix: ".example.com"), .exact("/status"), ["GET"], "status"),
        ])
        #expect(table.match(host: "other.org", path: "/orders", method: "POST") == .noRoute)
        #expect(table.match(host: "other.org", path: "/orders", method: "GET") == .noRoute)
        #expect(table.match(host: "api.example.com", path: "/other", method: "GET") == .noRoute)
        #expect(table.match(host: "api.example.com", path: "/", method: "GET") == .noRoute)
        #expect(table.match(host: "example.com", path: "/status", method: "GET") == .noRoute)
        #expect(table.match(host: "a.example.com", path: "/status/", method: "GET") == .noRoute)
        #expect(
            table.match(host: "api.example.com", path: "/orders", method: "POST")
                == .methodNotAllowed(allow: ["GET", "HEAD"])
        )
        #expect(RouteTable<String>([]).match(host: "h", path: "/", method: "GET") == .noRoute)
    }

    @Test("patterns built by hand in capitals match normalised hosts")
    func handBuiltPatterns() {
        let table = self.table([
            (.exact("API.Example.com"), .prefix("/"), nil, "exact"),
            (.wildcard(suffix: "Example.ORG"), .prefix("/"), nil, "wildcard"),
        ])
        #expect(table.match(host: "api.example.com", path: "/", method: "GET") == .matched("exact", index: 0))
        #expect(table.match(host: "a.example.org", path: "/", method: "GET") == .matched("wildcard", index: 1))
        #expect(table.match(host: "badexample.org", path: "/", method: "GET") == .noRoute)
    }

    @Test("IPv6 literal hosts route like names")
    func ipv6Host() throws {
        let pattern = try #require(HostPattern(parsing: "[::1]"))
        let table = self.table([(pattern, .prefix("/"), nil, "loopback")])
        let host = try #require(HostName.normalize("[::1]:8080"))
        #expect(table.match(host: host, path: "/", method: "GET") == .matched("loopback", index: 0))
    }

    @Test("thousands of routes: the right one is found, by host and by path")
    func manyRoutes() {
        var routes: [(HostPattern, PathPattern, [String]?, String)] = []
        for number in 0..<3000 {
            routes.append((.exact("h\(number).example.com"), .prefix("/"), nil, "host \(number)"))
        }
        for number in 0..<3000 {
            routes.append((.any, .prefix("/p\(number)"), ["GET"], "path \(number)"))
        }
        routes.append((.any, .prefix("/"), ["GET"], "fallback"))
        let table = self.table(routes)
        #expect(table.count == 6001)
        #expect(
            table.match(host: "h1234.example.com", path: "/p5", method: "GET") == .matched("host 1234", index: 1234)
        )
        #expect(
            table.match(host: "x.example.com", path: "/p2999/a", method: "GET") == .matched("path 2999", index: 5999)
        )
        #expect(table.match(host: "x.example.com", path: "/p3000", method: "GET") == .matched("fallback", index: 6000))
        #expect(
            table.match(host: "x.example.com", path: "/p7", method: "PUT") == .methodNotAllowed(allow: ["GET", "HEAD"])
        )
    }

    @Test("the table agrees with HostPattern.matches and PathPattern.matches route by route")
    func agreesWithPatterns() {
        let hosts: [HostPattern] = [
            .any, .exact("a.example.com"), .wildcard(suffix: ".example.com"),
            .wildcard(suffix: ".a.example.com"),
        ]
        let paths: [PathPattern] = [
            .prefix("/"), .prefix("/a"), .prefix("/a/"), .exact("/a"), .exact("/a/"),
            .prefix("/a/b"), .exact("/a/b/c"),
        ]
        for host in hosts {
            for path in paths {
                let table = RouteTable([RouteEntry(host: host, path: path, payload: 0)])
                for requestHost in ["a.example.com", "b.a.example.com", "example.com", "x.org"] {
                    for requestPath in ["/", "/a", "/a/", "/ab", "/a/b", "/a/b/c", "/a/bc"] {
                        let expected: RouteMatch<Int> =
                            host.matches(requestHost) && path.matches(requestPath) ? .matched(0, index: 0) : .noRoute
                        #expect(
                            table.match(host: requestHost, path: requestPath, method: "GET") == expected,
                            "\(host) \(path) against \(requestHost) \(requestPath)"
                        )
                    }
                }
            }
        }
    }
}
