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
        #expect(self.bearer("Bearer a b") == (nil, true))
        #expect(self.bearer("Bearer tökén") == (nil, true))
    }

    @Test func trimmingStopsAtTheFirstAndLastOtherByte() {
        #expect(" \t a b \t ".trimmingWhitespace() == "a b")
        #expect("\u{00A0}x\u{00A0}".trimmingWhitespace() == "\u{00A0}x\u{00A0}")
        #expect("   ".trimmingWhitespace() == "")
        #expect("é ".trimmingWhitespace() == "é")
        #expect(" e\u{0301}".trimmingWhitespace() == "e\u{0301}")
    }
}
