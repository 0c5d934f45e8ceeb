import Testing

@testable import GatewayRules

/// The fast path for `api_keys_file`: it reads the plain layout and leaves everything else to TOMLKit.
struct FastAPIKeysParserTests {
    @Test func readsThePlainLayout() throws {
        let text = """
            # consumers
            [[api_keys]]   # first
            id = "acme"
            hash = 'sha256:00'
            scopes = [
                "a",  # one
                'b',
            ]
            disabled = false
            port = -42

            [[api_keys]]
            id = ""
            """
        let table = try #require(FastAPIKeysParser.parse(text))
        let entries = try #require(table["api_keys"]?.array)
        #expect(entries.count == 2)
        let first = try #require(entries[0].table)
        #expect(Array(first.keys) == ["id", "hash", "scopes", "disabled", "port"])
        #expect(first["hash"]?.string == "sha256:00")
        #expect(first["scopes"]?.array?.compactMap(\.string) == ["a", "b"])
        #expect(first["disabled"]?.boolean == false)
        #expect(first["port"]?.integer == -42)
        #expect(entries[1].table?["id"]?.string == "")
    }

    @Test(arguments: [
        "[[api_keys]]\nid = \"a\\\"b\"\n",
        "[[api_keys]]\nexpires = 2030-01-01T00:00:00Z\n",
        "[[api_keys]]\nid = \"a\"\nid = \"b\"\n",
        "[server]\n",
        "[[api_keys]]\nid.x = \"a\"\n",
        "[[api_keys]]\nid = \"\"\"a\"\"\"\n",
        "[[api_keys]]\nn = 012\n",
        "[[api_keys]]\nn = 1.5\n",
        "[[api_keys]]\nid = \"a\" junk\n",
        "[[api_keys]]\nid = \"unterminated\n",
        "[ [api_keys]]\n",
    ])
    func leavesEverythingElseToTOMLKit(text: String) {
        #expect(FastAPIKeysParser.parse(text) == nil)
    }

    @Test func aFileOutsideTheLayoutStillLoads() throws {
        let fixture = try RulesFixture()
        try fixture.write(
            "consumers.toml",
            "[[api_keys]]\nid = \"a\\u0041\"\nhash = \"\(testKeyHash)\"\nexpires = 2030-01-01T00:00:00Z\n"
        )
        let keys = try fixture.load("api_keys_file = \"consumers.toml\"\n" + minimalRoutes).rules.apiKeys
        #expect(keys.map(\.id) == ["aA"])
        #expect(keys.first?.expires == 1_893_456_000)
    }
}
