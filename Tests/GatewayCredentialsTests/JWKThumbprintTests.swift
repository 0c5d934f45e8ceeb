import Crypto
import Foundation
import Testing

@testable import GatewayCredentials

/// RFC 7638 JWK thumbprints: the RFC's own example, RFC 9449's, and keys generated with
/// swift-crypto whose canonical JSON is built here by hand.
@Suite struct JWKThumbprintTests {
    /// RFC 7638 §3.1's example key, with the optional members it shows (`alg`, `kid`).
    static let rfc7638Key = """
        {"kty":"RSA",
         "n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
         "e":"AQAB",
         "alg":"RS256",
         "kid":"2011-04-29"}
        """

    func thumbprint(_ json: String) throws -> String {
        let document = try JSONDocument(parsing: Array(json.utf8))
        return try JWKThumbprint.sha256(document: document, object: JSONDocument.root)
    }

    @Test func rfc7638sExample() throws {
        #expect(try self.thumbprint(Self.rfc7638Key) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
    }

    @Test func rfc9449sExampleKey() throws {
        let jwk = #"{"kty":"EC","x":"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs","y":"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA","crv":"P-256"}"#
        #expect(try self.thumbprint(jwk) == "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I")
    }

    @Test func memberOrderWhitespaceAndOptionalMembersDoNotMatter() throws {
        let key = ProofKey.p256(P256.Signing.PrivateKey())
        let members = key.jwk
        let reordered = "{ \"y\" : \"\(members[3].1)\",\n \"use\":\"sig\", \"kid\":\"k1\", \"x\":\"\(members[2].1)\", \"kty\":\"EC\", \"crv\":\"P-256\" }"
        #expect(try self.thumbprint(reordered) == key.thumbprint)
        #expect(try self.thumbprint(key.jwkJSON) == key.thumbprint)
    }

    @Test(arguments: [
        ProofKey.p256(P256.Signing.PrivateKey()), .p384(P384.Signing.PrivateKey()),
        .ed25519(Curve25519.Signing.PrivateKey()), .rsa(ProofKey.rsaKey, pss: false),
    ])
    func generatedKeysFromPublicAndPrivatePEMs(key: ProofKey) throws {
        #expect(try JWKThumbprint.sha256(pem: key.publicPEM) == key.thumbprint)
        #expect(try JWKThumbprint.sha256(pem: key.privatePEM) == key.thumbprint)
        #expect(try self.thumbprint(key.jwkJSON) == key.thumbprint)
        #expect(key.thumbprint.utf8.count == 43)
    }

    @Test func anRSAIntegerWithLeadingZerosHasNoThumbprint() throws {
        let primitives = try ProofKey.rsaKey.publicKey.getKeyPrimitives()
        let padded = #"{"e":"AAEAAQ","kty":"RSA","n":"\#(b64url(Array(primitives.modulus)))"}"#
        #expect(throws: KeyProblem.self) { try self.thumbprint(padded) }
    }

    @Test func symmetricOrIncompleteKeysHaveNone() {
        #expect(throws: KeyProblem.self) { try self.thumbprint(#"{"kty":"oct","k":"c2VjcmV0"}"#) }
        #expect(throws: KeyProblem.self) { try self.thumbprint(#"{"kty":"EC","crv":"P-256","x":"AA"}"#) }
        #expect(throws: KeyProblem.self) { try self.thumbprint(#"{"crv":"Ed25519","x":"AA"}"#) }
    }

    @Test func aPEMThatIsNoKeyIsAnErrorAtTheGivenPath() {
        do {
            _ = try JWKThumbprint.sha256(pem: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
            Issue.record("a certificate gave a thumbprint")
        } catch {
            #expect(error.problems.map(\.keyPath) == ["--key"])
        }
    }
}
