import Foundation
import GatewayTokens
import Testing

/// HTTP Basic client authentication (RFC 7617 §2) with RFC 6749 §2.3.1's form encoding of the id
/// and the secret.
@Suite struct BasicCredentialsTests {
    static func value(_ raw: String, scheme: String = "Basic") -> String {
        scheme + " " + Data(raw.utf8).base64EncodedString()
    }

    @Test func plainIDAndSecret() throws {
        let credentials = try BasicCredentials(authorization: Self.value("acme:gk_abc-DEF_123"))
        #expect(credentials == BasicCredentials(clientID: "acme", clientSecret: "gk_abc-DEF_123"))
    }

    @Test func reservedCharactersAreFormDecodedAfterSplittingAtTheFirstColon() throws {
        // id "a:b%c+d e", secret "s:%+ t:" — encoded as a client must.
        let credentials = try BasicCredentials(authorization: Self.value("a%3Ab%25c%2Bd+e:s%3A%25%2B+t:"))
        #expect(credentials == BasicCredentials(clientID: "a:b%c+d e", clientSecret: "s:%+ t:"))
        // A raw colon in the secret survives: only the first one splits.
        #expect(try BasicCredentials(authorization: Self.value("acme:a:b")).clientSecret == "a:b")
        #expect(
            try BasicCredentials(authorization: basic(TokenFixture.oddID, TokenFixture.oddSecret))
                == BasicCredentials(clientID: TokenFixture.oddID, clientSecret: TokenFixture.oddSecret)
        )
    }

    @Test func theSchemeIsCaseInsensitiveAndSpacesAreTolerated() throws {
        #expect(
            try BasicCredentials(authorization: "  bAsIc   " + Data("a:b".utf8).base64EncodedString() + " ").clientID
                == "a"
        )
        #expect(BasicCredentials.isBasic("BASIC x"))
        #expect(!BasicCredentials.isBasic("Bearer x"))
        #expect(!BasicCredentials.isBasic("Basicx"))
    }

    @Test func otherSchemesAreNotBasic() {
        #expect(throws: BasicCredentialsError.notBasic) { try BasicCredentials(authorization: "Bearer a.b.c") }
        #expect(throws: BasicCredentialsError.notBasic) { try BasicCredentials(authorization: "") }
    }

    @Test func malformedCredentials() {
        for value in [
            "Basic", "Basic ", "Basic !!!!", Self.value("no-colon"), Self.value(":secret"), Self.value("id:"),
            Self.value("id:50%off"), Self.value("id%zz:secret"),
            "Basic " + Data([0x61, 0x3A, 0xFF]).base64EncodedString(),
        ] {
            #expect(throws: BasicCredentialsError.malformed, "\(value)") { try BasicCredentials(authorization: value) }
        }
        #expect(BasicCredentialsError.malformed.description == "the Basic credentials are malformed")
    }
}
