import Crypto
import Testing

@testable import GatewayCredentials

/// `ContentDigest` (RFC 9530 §2) and `ContentDigestVerifier`.
@Suite struct DigestTests {
    /// RFC 9530 §2's content, and its digests as the RFC (and RFC 9421 Appendix B.2) give them.
    static let content = Array(#"{"hello": "world"}"#.utf8)
    static let sha256 = "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"
    static let sha512 =
        "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"
    /// RFC 9421 B.2's `test-response` content and its sha-512.
    static let responseContent = Array(#"{"message": "good dog"}"#.utf8)
    static let responseSHA512 =
        "sha-512=:mEWXIS7MaLRuGgxOBdODa3xqM1XdEvxoYhvlCFJ41QJgJc4GTsPp29l5oGX69wWdXymyU0rjJuahq4l5aGgfLQ==:"

    func matches(_ field: String, _ content: [UInt8]) throws -> Bool {
        var verifier = ContentDigestVerifier(try ContentDigest(parsing: field))
        verifier.update(content)
        return verifier.finish()
    }

    @Test func sha256MatchesAndMismatches() throws {
        #expect(try self.matches(Self.sha256, Self.content))
        #expect(try !self.matches(Self.sha256, Self.content.dropLast() + [UInt8(ascii: "!")]))
        #expect(try !self.matches(Self.sha256, []))
        #expect(try ContentDigest(parsing: Self.sha256).sha512 == nil)
    }

    @Test func sha512MatchesAndMismatches() throws {
        #expect(try self.matches(Self.sha512, Self.content))
        #expect(try self.matches(Self.responseSHA512, Self.responseContent))
        #expect(try !self.matches(Self.sha512, Self.responseContent))
        #expect(try ContentDigest(parsing: Self.sha512).sha256 == nil)
    }

    @Test func bothDigestsAreChecked() throws {
        #expect(try self.matches("\(Self.sha256), \(Self.sha512)", Self.content))
        let wrong512 = Self.responseSHA512
        #expect(try !self.matches("\(Self.sha256), \(wrong512)", Self.content))
        #expect(try !self.matches("\(wrong512), \(Self.sha256)", Self.content))
    }

    @Test func theDigestIsCheckedAsTheContentStreams() throws {
        let content = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let sha256 = ContentDigest.fieldValue(for: content, algorithm: .sha256)
        let sha512 = ContentDigest.fieldValue(for: content, algorithm: .sha512)
        let field = "\(sha256), \(sha512)"
        var verifier = ContentDigestVerifier(try ContentDigest(parsing: field))
        var offset = 0
        var size = 1
        while offset < content.count {
            let end = min(content.count, offset + size)
            content[offset..<end].withUnsafeBytes { verifier.update($0) }
            offset = end
            size = size * 3 % 4093 + 1
        }
        #expect(verifier.byteCount == content.count)
        #expect(verifier.finish())
        // One more byte and it no longer matches.
        verifier.update([0])
        #expect(!verifier.finish())
    }

    @Test func unknownAlgorithmsAreIgnored() throws {
        let digest = try ContentDigest(parsing: "md5=:AAAA:, unixsum=:AAAA:, \(Self.sha256), id-sha-256=\"x\"")
        #expect(digest.sha256 == Base64.decode("X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="))
        #expect(try self.matches("md5=:AAAA:, \(Self.sha256)", Self.content))
    }

    @Test func malformedFieldsAreMalformed() {
        for field in [
            "", "md5=:AAAA:", "sha-256", "sha-256=\"X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=\"",
            "sha-256=:AAAA:", "sha-512=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:", "sha-256=(:AAAA:)",
            "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=",
            "SHA-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
        ] {
            #expect(signatureError { try ContentDigest(parsing: field) } == .malformedCredential, "\(field)")
        }
    }

    @Test func fieldValuesForSigners() {
        #expect(ContentDigest.fieldValue(for: Self.content) == Self.sha256)
        #expect(ContentDigest.fieldValue(for: Self.content, algorithm: .sha512) == Self.sha512)
    }
}
