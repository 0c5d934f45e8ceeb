import GatewayRules
import GatewayTestSupport
import Testing

/// `api_keys_file` at the scale SPEC §2 has in mind: large consumer sets.
struct APIKeysFileTests {
    /// `count` `[[api_keys]]` entries with distinct ids and hashes.
    static func consumers(_ count: Int) -> String {
        var text = ""
        text.reserveCapacity(count * 140)
        for index in 0..<count {
            let hex = String(index, radix: 16)
            let hash = String(repeating: "0", count: 64 - hex.count) + hex
            text +=
                "[[api_keys]]\nid = \"consumer-\(index)\"\nhash = \"sha256:\(hash)\"\nscopes = [\"orders:read\"]\n\n"
        }
        return text
    }

    @Test func loadsOneHundredThousandKeys() async throws {
        let rules = try await runOffThePool {
            let fixture = try RulesFixture()
            try fixture.write("consumers.toml", Self.consumers(100_000))
            return try fixture.load("api_keys_file = \"consumers.toml\"\n" + minimalRoutes).rules
        }
        #expect(rules.apiKeys.count == 100_000)
        #expect(rules.apiKeys.last?.id == "consumer-99999")
        #expect(rules.apiKeys.last?.hash.suffix(3) == [0x01, 0x86, 0x9f])
        #expect(rules.apiKeys.last?.subject == "consumer-99999")
    }

    @Test func aProblemDeepInALargeFileIsLocated() async throws {
        let problems = try await runOffThePool {
            let fixture = try RulesFixture()
            let text = Self.consumers(20_000) + "[[api_keys]]\nid = \"late\"\nhash = \"sha256:zz\"\n"
            try fixture.write("consumers.toml", text)
            return fixture.problems("api_keys_file = \"consumers.toml\"\n" + minimalRoutes)
        }
        #expect(
            problems == [
                "consumers.toml:100003:8: error: api_keys[20001](late).hash: invalid hash: "
                    + "expected 64 hex digits after \"sha256:\", found 2"
            ]
        )
    }
}
