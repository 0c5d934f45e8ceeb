import GatewayTokens
import Testing

/// `application/x-www-form-urlencoded` (RFC 6749 Appendix B), strictly.
@Suite struct FormBodyTests {
    static func parse(_ text: String) throws -> FormBody {
        try FormBody(parsing: Array(text.utf8))
    }

    @Test func decodesPlusAndEscapes() throws {
        let body = try Self.parse("grant_type=client_credentials&scope=a+b%3Ac&client_secret=%25%2B%3D%26+x")
        #expect(
            body.fields == [
                .init(name: "grant_type", value: "client_credentials"),
                .init(name: "scope", value: "a b:c"),
                .init(name: "client_secret", value: "%+=& x"),
            ]
        )
        #expect(try body.parameter("client_secret") == "%+=& x")
    }

    @Test func namesAreDecodedTooAndUTF8IsKept() throws {
        let body = try Self.parse("client%5Fid=caf%C3%A9&%E2%9C%93")
        #expect(try body.parameter("client_id") == "café")
        #expect(body.fields.last == .init(name: "✓", value: ""))
    }

    @Test func emptyPiecesAreSkippedAndAnEmptyValueIsAbsent() throws {
        let body = try Self.parse("&&scope=&grant_type=client_credentials&")
        #expect(body.fields.count == 2)
        #expect(try body.parameter("scope") == nil)  // RFC 6749 §3.2: sent without a value = omitted
        #expect(try body.parameter("absent") == nil)
        #expect(try body.parameter("grant_type") == "client_credentials")
    }

    @Test func aValueMayHoldEquals() throws {
        #expect(try Self.parse("token=a.b.c==").parameter("token") == "a.b.c==")
    }

    @Test func malformedEscapesAndNonUTF8AreRefused() {
        for text in ["a=%", "a=%4", "a=%zz", "a=%4G", "%=1", "a=%C3", "a=%FF"] {
            #expect(throws: FormBodyError.malformed, "\(text)") { try Self.parse(text) }
        }
    }

    @Test func aRepeatedParameterIsRefusedEvenWhenEmpty() throws {
        let body = try Self.parse("grant_type=client_credentials&grant_type=client_credentials&scope=&scope=")
        #expect(throws: FormBodyError.repeated) { try body.parameter("grant_type") }
        #expect(throws: FormBodyError.repeated) { try body.parameter("scope") }
        // Unrecognised parameters are the caller's to ignore, repeated or not.
        #expect(try Self.parse("x=1&x=2&y=3").parameter("y") == "3")
    }

    @Test func errorsNeverQuoteTheBody() {
        #expect(FormBodyError.malformed.description == "the form body has a malformed percent-escape or is not UTF-8")
        #expect(FormBodyError.repeated.description == "a parameter is repeated")
    }
}
