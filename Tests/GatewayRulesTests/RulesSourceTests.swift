import Testing

@testable import GatewayRules

/// Finding a key's line and column in the text: `RulesSource`, `SourceIndex` and `KeyPath`.
struct RulesSourceTests {
    static let text = """
        # comment with [brackets] and key = "value"
        api_keys_file = "consumers.toml"

        [server]
        listen = [
            "127.0.0.1:8080",  # first
            "[::]:8443",
        ]
        tls.cert_file = "c.pem"
        "quoted key" = 1

        [[routes]]
        name = "a"
        path = "/a"

        [[routes]]
        name = "b"   # the second entry
        methods = ["GET", 'HEAD']
        description = \"\"\"
        [[routes]]
        name = "not a key"
        \"\"\"
        upstream = "orders"

        [server.extra]
        inline = { a = 1, nested = { b = "é" }, c = [1, 2] }

        """

    static let source = RulesSource(path: "gateway.conf", text: Self.text)

    @Test(arguments: [
        ("api_keys_file", 2, 17),
        ("server", 4, 1),
        ("server.listen", 5, 10),
        ("server.listen[2]", 7, 5),
        ("server.tls", 9, 1),
        ("server.tls.cert_file", 9, 17),
        ("server.\"quoted key\"", 10, 16),
        ("routes[1](a).path", 14, 8),
        ("routes[2](b).name", 17, 8),
        ("routes[2](b).methods[2]", 18, 19),
        ("routes[2](b).upstream", 23, 12),
        ("server.extra.inline.nested.b", 26, 34),
        ("server.extra.inline.c[2]", 26, 49),  // "é" counts as one column,
    ])
    func valuesAreLocated(keyPath: String, line: Int, column: Int) throws {
        let position = try #require(Self.source.locate(keyPath: keyPath))
        #expect(position.line == line)
        #expect(position.column == column)
    }

    @Test func keysAreLocatedForUnknownKeyDiagnostics() throws {
        let path = try #require(KeyPath(parsing: "server.extra.inline.nested"))
        #expect(Self.source.locate(path, anchor: .key) == SourcePosition(line: 26, column: 19))
        #expect(Self.source.locate(path, anchor: .value) == SourcePosition(line: 26, column: 28))
    }

    @Test func anAbsentKeyPointsAtItsTableHeader() {
        #expect(Self.source.locate(keyPath: "routes[2](b).path")! == (16, 1))
        #expect(Self.source.locate(keyPath: "server.threads")! == (4, 1))
        #expect(Self.source.locate(keyPath: "routes[3]")! == (12, 1))
        #expect(Self.source.locate(keyPath: "admin.listen") == nil)
    }

    @Test func keyPathsPrintAndParseBack() throws {
        let path = KeyPath.root.appending("routes").appending(index: 3, label: "orders.v1 (beta)").appending("a b")
        #expect(path.description == "routes[3](orders.v1 (beta)).\"a b\"")
        #expect(path.lookupKey == "routes[3].\"a b\"")
        #expect(KeyPath(parsing: path.description) == path)
        #expect(KeyPath(parsing: "routes[x]") == nil)
    }

    @Test func diagnosticsPrintWithOrWithoutAPosition() {
        let located = Self.source.diagnostic(keyPath: "routes[2](b).upstream", "no upstream named \"orders\"")
        #expect(located.description == "gateway.conf:23:12: error: routes[2](b).upstream: no upstream named \"orders\"")
        let unlocated = Self.source.diagnostic(.warning, keyPath: "jwt.leeway", "odd")
        #expect(unlocated.description == "gateway.conf: warning: jwt.leeway: odd")
    }
}
