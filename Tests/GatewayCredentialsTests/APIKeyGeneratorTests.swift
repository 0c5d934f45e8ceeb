import Crypto
import GatewayRules
import Testing

@testable import GatewayCredentials

@Suite struct APIKeyGeneratorTests {
    private static func isBase64URL(_ text: Substring) -> Bool {
        text.utf8.allSatisfy { Base64URL.isAlphabet($0) }
    }

    @Test func printedFormIsPrefixUnderscoreAnd43Base64URLCharacters() throws {
        let key = try APIKeyGenerator.generate()
        #expect(key.key.hasPrefix("gk_"))
        let body = key.key.dropFirst(3)
        #expect(body.count == 43)
        #expect(Self.isBase64URL(body))
        #expect(unb64url(body).count == 32)  // 256 bits
        #expect(key.hash == Array(SHA256.hash(data: Array(key.key.utf8))))
        #expect(key.hashText.hasPrefix("sha256:"))
        #expect(key.hashText.count == 7 + 64)
        #expect(key.hashText.dropFirst(7).allSatisfy { "0123456789abcdef".contains($0) })
    }

    @Test func customPrefixAndInvalidOnes() throws {
        #expect(try APIKeyGenerator.generate(prefix: "acme2").key.hasPrefix("acme2_"))
        for bad in ["", "has space", "under_score", "dash-ed", String(repeating: "a", count: 17), "é"] {
            #expect(throws: APIKeyPrefixError.self, "\(bad)") { _ = try APIKeyGenerator.generate(prefix: bad) }
        }
    }

    @Test func keysAreFresh() throws {
        let keys = try (0..<100).map { _ in try APIKeyGenerator.generate().key }
        #expect(Set(keys).count == 100)
    }

    @Test func tomlBlockHoldsTheHashOfThePrintedKeyAndNotTheKey() throws {
        let generated = try APIKeyGenerator.generate()
        let block = generated.tomlBlock(id: "partner-acme", scopes: ["orders:read", "orders:write"], subject: "acme")
        #expect(!block.contains(String(generated.key.dropFirst(3))))
        #expect(
            block == """
                [[api_keys]]
                id = "partner-acme"
                hash = "\(generated.hashText)"
                scopes = ["orders:read", "orders:write"]
                subject = "acme"

                """
        )
        // Read back the way a rules file is (SPEC §2 format), then look the printed key up.
        let parsed = Self.parseAPIKeyBlock(block)
        #expect(parsed?.id == "partner-acme")
        #expect(parsed?.scopes == ["orders:read", "orders:write"])
        let table = try APIKeyTable([
            APIKeyRule(id: parsed!.id, hash: parsed!.hash, scopes: parsed!.scopes, subject: parsed!.subject)
        ])
        #expect(try table.lookup(presentedKey: generated.key, now: 0).get().id == "partner-acme")
    }

    @Test func tomlStringsAreEscaped() throws {
        let block = try APIKeyGenerator.generate().tomlBlock(id: #"a"b\c"#, scopes: ["x\ny"])
        #expect(block.contains(#"id = "a\"b\\c""#))
        #expect(block.contains(#"scopes = ["x\ny"]"#))
    }

    /// A reader for exactly the block `tomlBlock` writes: `key = "string"` and
    /// `key = ["string", …]` lines under `[[api_keys]]`, strings without escapes.
    private static func parseAPIKeyBlock(
        _ block: String
    ) -> (id: String, hash: [UInt8], scopes: [String], subject: String?)? {
        let lines = block.split(separator: "\n")
        guard lines.first == "[[api_keys]]" else { return nil }
        var values: [String: String] = [:]
        for line in lines.dropFirst() {
            let parts = line.split(separator: " = ", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { return nil }
            values[parts[0]] = parts[1]
        }
        func string(_ text: String?) -> String? {
            guard let text, text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 else { return nil }
            return String(text.dropFirst().dropLast())
        }
        guard let id = string(values["id"]), let hashText = string(values["hash"]), hashText.hasPrefix("sha256:"),
            let scopesText = values["scopes"], scopesText.hasPrefix("["), scopesText.hasSuffix("]")
        else { return nil }
        let hex = Array(hashText.dropFirst(7).utf8)
        guard hex.count == 64 else { return nil }
        var hash: [UInt8] = []
        for index in stride(from: 0, to: 64, by: 2) {
            guard let byte = UInt8(String(decoding: hex[index..<index + 2], as: UTF8.self), radix: 16) else {
                return nil
            }
            hash.append(byte)
        }
        let scopes = scopesText.dropFirst().dropLast().split(separator: ", ").compactMap { string(String($0)) }
        return (id, hash, scopes, string(values["subject"]))
    }
}
