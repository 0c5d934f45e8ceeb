import Crypto
import GatewayRules
import GatewayTestSupport
import Testing

@testable import GatewayCredentials

@Suite struct APIKeyTableTests {
    private func sha256(_ key: String) -> [UInt8] { Array(SHA256.hash(data: Array(key.utf8))) }

    private var table: APIKeyTable {
        try! APIKeyTable([
            APIKeyRule(id: "partner-acme", hash: self.sha256("gk_acme"), scopes: ["orders:read"], subject: "acme"),
            APIKeyRule(id: "legacy", hash: self.sha256("gk_legacy"), disabled: true),
            APIKeyRule(id: "trial", hash: self.sha256("gk_trial"), scopes: ["orders:read"], expires: 1_800_000_000),
        ])
    }

    @Test func knownKeyGivesIdSubjectAndScopes() {
        #expect(
            self.table.lookup(presentedKey: "gk_acme", now: 0)
                == .success(APIKeyMatch(id: "partner-acme", subject: "acme", scopes: ["orders:read"]))
        )
        // The subject defaults to the id.
        #expect(try! self.table.lookup(presentedKey: "gk_trial", now: 0).get().subject == "trial")
        // A Substring of a header value works.
        let header = "X-API-Key: gk_acme"
        #expect(try! self.table.lookup(presentedKey: header.dropFirst(11), now: 0).get().id == "partner-acme")
    }

    @Test func unknownKey() {
        let result = self.table.lookup(presentedKey: "gk_acmf", now: 0)
        #expect(result == .failure(.unknownKey))
        #expect(APIKeyFailure.unknownKey.reasonCode == "unknown_key")
        #expect(self.table.lookup(presentedKey: "", now: 0) == .failure(.unknownKey))
        #expect(self.table.lookup(presentedKey: "gk_acme ", now: 0) == .failure(.unknownKey))
    }

    @Test func disabledKeyIsRevoked() {
        #expect(self.table.lookup(presentedKey: "gk_legacy", now: 0) == .failure(.keyRevoked))
        #expect(APIKeyFailure.keyRevoked.reasonCode == "key_revoked")
    }

    @Test func expiredKey() {
        #expect(self.table.lookup(presentedKey: "gk_trial", now: 1_799_999_999).map(\.id) == .success("trial"))
        #expect(self.table.lookup(presentedKey: "gk_trial", now: 1_800_000_000) == .failure(.keyExpired))
        #expect(APIKeyFailure.keyExpired.reasonCode == "key_expired")
    }

    @Test func duplicateAndMalformedHashesAreLoadErrors() {
        do {
            _ = try APIKeyTable([
                APIKeyRule(id: "a", hash: self.sha256("x")),
                APIKeyRule(id: "b", hash: [1, 2, 3]),
                APIKeyRule(id: "c", hash: self.sha256("x")),
            ])
            Issue.record("loaded")
        } catch {
            #expect(error.problems.map(\.keyPath) == ["api_keys[2](b).hash", "api_keys[3](c).hash"])
            #expect(error.problems[1].message.contains("same key hash as a"))
        }
    }

    @Test func hashesSharingTheirFirst8BytesAreBothFound() {
        // Not something SHA-256 will produce by chance: built by hand to exercise the chain.
        var first = [UInt8](repeating: 7, count: 32)
        var second = first
        second[31] = 8
        first[30] = 1
        let table = try! APIKeyTable([APIKeyRule(id: "one", hash: first), APIKeyRule(id: "two", hash: second)])
        #expect(table.count == 2)
        #expect(table.lookup(presentedKey: "anything", now: 0) == .failure(.unknownKey))
    }

    @Test func hundredThousandKeysBuildATable() async throws {
        let table = try await runOffThePool {
            var rules: [APIKeyRule] = []
            rules.reserveCapacity(100_000)
            for index in 0..<100_000 {
                rules.append(
                    APIKeyRule(id: "consumer-\(index)", hash: self.sha256("gk_consumer_\(index)"), scopes: ["orders:read"])
                )
            }
            return try APIKeyTable(rules)
        }
        #expect(table.count == 100_000)
        #expect(try! table.lookup(presentedKey: "gk_consumer_0", now: 0).get().id == "consumer-0")
        #expect(try! table.lookup(presentedKey: "gk_consumer_99999", now: 0).get().id == "consumer-99999")
        #expect(table.lookup(presentedKey: "gk_consumer_100000", now: 0) == .failure(.unknownKey))
    }
}
