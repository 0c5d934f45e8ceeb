import NIOHTTP1
import Testing

@testable import GatewayPolicy

/// Extracting credentials works on UTF-8 bytes (SPEC §3, RFC 6750 §2.1): the scheme in any case,
/// spaces and tabs around, other schemes ignored, non-ASCII never mistaken for whitespace.
struct PresentedCredentialsTests {
    private func bearer(_ value: String) -> (token: String?, malformed: Bool) {
        let presented = PresentedCredentials(fields: HTTPHeaders([("Authorization", value)]))
        return (presented.accessToken.map(String.init), presented.malformed != nil)
    }

    @Test func theBearerSchemeIsMatchedInAnyCase() {
        #expect(self.bearer("Bearer abc.def").token == "abc.def")
        #expect(self.bearer("bEaReR abc").token == "abc")
        #expect(self.bearer("BEARER\tabc  ").token == "abc")
        #expect(self.bearer("  Bearer   abc").token == "abc")
    }

    @Test func otherSchemesAreNotCredentials() {
        #expect(self.bearer("Basic YWxhZGRpbjpvcGVuc2VzYW1l") == (nil, false))
        #expect(self.bearer("Bearerabc") == (nil, false))
        #expect(self.bearer("Beare abc") == (nil, false))
        #expect(self.bearer("Bëarer abc") == (nil, false))
    }

    @Test func anEmptyOrBadTokenIsMalformed() {
        #expect(self.bearer("Bearer") == (nil, true))
        #expect(self.bearer("Bearer    ") == (nil, true))
        // Bytes outside b64token are the policy's to refuse, after the token cache
        // (`PolicyCredentialTests.malformedBearer`, `aCachedTokenSkipsTheAlphabetScanOnly`).
        #expect(self.bearer("Bearer a b") == ("a b", false))
        #expect(!PresentedCredentials.hasB64TokenAlphabet("a b"))
        #expect(!PresentedCredentials.hasB64TokenAlphabet("tökén"))
        #expect(PresentedCredentials.hasB64TokenAlphabet("abc.DEF-_~+/=="))
    }

    /// The b64token set as RFC 6750 §2.1 writes it, to hold the mask test against.
    private static func isB64TokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"), UInt8(ascii: "+"), UInt8(ascii: "/"):
            return true
        default:
            return false
        }
    }

    @Test func theTokenByteMaskIsTheRFCSet() {
        for byte in UInt8.min...UInt8.max {
            #expect(PresentedCredentials.isB64TokenByte(byte) == Self.isB64TokenCharacter(byte), "byte \(byte)")
        }
    }

    @Test func theTokenWordTestIsTheByteTestForEveryByteInEveryPosition() {
        let fillers: [UInt8] = [UInt8(ascii: "a"), UInt8(ascii: "-"), UInt8(ascii: "~"), UInt8(ascii: "Z")]
        for filler in fillers {
            for byte in UInt8.min...UInt8.max {
                for position in 0..<8 {
                    var bytes = [UInt8](repeating: filler, count: 8)
                    bytes[position] = byte
                    let word = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                    #expect(
                        PresentedCredentials.isB64TokenWord(word) == Self.isB64TokenCharacter(byte),
                        "byte \(byte) at \(position) among \(filler)"
                    )
                }
            }
        }
    }

    /// The whole scan (words of eight bytes, then single bytes) against the byte rule: every
    /// length up to 40, one byte of every value at every position.
    @Test func theTokenScanIsTheByteRuleAtEveryLengthAndPosition() {
        for length in 1...40 {
            for position in 0..<length {
                for byte in UInt8.min...UInt8.max where byte != UInt8(ascii: "=") {
                    var token = [UInt8](repeating: UInt8(ascii: "q"), count: length)
                    token[position] = byte
                    let scanned = token.withUnsafeBytes { PresentedCredentials.isB64Token($0) }
                    if scanned != Self.isB64TokenCharacter(byte) {
                        Issue.record("byte \(byte) at \(position) of \(length)")
                    }
                }
            }
        }
    }

    @Test func paddingIsAcceptedOnlyAtTheEnd() {
        func isToken(_ text: String) -> Bool {
            Array(text.utf8).withUnsafeBytes { PresentedCredentials.isB64Token($0) }
        }
        #expect(isToken("abc"))
        #expect(isToken("a.b-c_d~e+f/g=="))
        #expect(isToken("a="))
        #expect(isToken("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9.c2lnbmF0dXJl_-~+/abc=="))
        #expect(!isToken("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9,c2lnbmF0dXJl"))
        #expect(!isToken("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOi=iZW5jaCJ9.c2lnbmF0dXJl"))
        #expect(!isToken("="))
        #expect(!isToken("==="))
        #expect(!isToken(""))
        #expect(!isToken("a=b"))
        #expect(!isToken("a==b="))
        #expect(!isToken("a b"))
        #expect(!isToken("a\u{7F}"))
        #expect(!isToken("é"))
        #expect(isToken(String(repeating: "a", count: PresentedCredentials.maxCredentialBytes)))
        #expect(!isToken(String(repeating: "a", count: PresentedCredentials.maxCredentialBytes + 1)))
    }

    // MARK: DPoP (RFC 9449 §7.1, §4.3 step 1)

    private func presented(_ fields: [(String, String)]) -> PresentedCredentials {
        PresentedCredentials(fields: HTTPHeaders(fields))
    }

    @Test func theDPoPSchemeCarriesAnAccessTokenInAnyCase() {
        for value in ["DPoP abc.def", "dpop abc.def", "DPOP\tabc.def ", " DPoP   abc.def"] {
            let presented = self.presented([("Authorization", value)])
            #expect(presented.accessToken == "abc.def", "\(value)")
            #expect(presented.tokenScheme == .dpop)
            #expect(presented.malformed == nil)
        }
        #expect(self.presented([("Authorization", "Bearer abc")]).tokenScheme == .bearer)
        #expect(self.presented([("Authorization", "DPoPabc")]).accessToken == nil)
        #expect(self.presented([("Authorization", "DPoP")]).malformed != nil)
    }

    @Test func aBearerAndADPoPTokenTogetherAreMalformed() {
        let presented = self.presented([("Authorization", "Bearer a"), ("Authorization", "DPoP b")])
        #expect(presented.malformed != nil)
        #expect(presented.accessToken == nil)
    }

    @Test func theDPoPFieldIsReadOnlyForTheDPoPScheme() {
        if case .one(let proof) = self.presented([("Authorization", "DPoP t"), ("DPoP", " a.b.c ")]).proof {
            #expect(proof == "a.b.c")
        } else {
            Issue.record("the proof was not read")
        }
        guard case .missing = self.presented([("Authorization", "Bearer t"), ("DPoP", "a.b.c")]).proof else {
            Issue.record("a proof was read for a bearer token")
            return
        }
        guard case .missing = self.presented([("Authorization", "DPoP t")]).proof else {
            Issue.record("a proof appeared from nowhere")
            return
        }
    }

    @Test func twoOrGarbledDPoPFieldsAreMalformedProofs() {
        for fields in [
            [("DPoP", "a.b.c"), ("DPoP", "a.b.c")], [("DPoP", "a.b.c, d.e.f")], [("DPoP", "")], [("DPoP", "a b")],
            [("DPoP", "a.b+c")],
        ] {
            let presented = self.presented([("Authorization", "DPoP t")] + fields)
            guard case .malformed = presented.proof else {
                Issue.record("\(fields) was accepted")
                continue
            }
            // Judged at the proof check (invalid_dpop_proof), not as a malformed credential.
            #expect(presented.malformed == nil)
        }
    }

    @Test func trimmingStopsAtTheFirstAndLastOtherByte() {
        #expect(" \t a b \t ".trimmingWhitespace() == "a b")
        #expect("\u{00A0}x\u{00A0}".trimmingWhitespace() == "\u{00A0}x\u{00A0}")
        #expect("   ".trimmingWhitespace() == "")
        #expect("é ".trimmingWhitespace() == "é")
        #expect(" e\u{0301}".trimmingWhitespace() == "e\u{0301}")
    }
}
