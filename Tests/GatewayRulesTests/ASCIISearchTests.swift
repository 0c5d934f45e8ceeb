import GatewayRules
import Testing

/// `firstIndex(ofASCII:)` finds what `utf8.firstIndex(of:)` finds, multi-byte characters included.
@Suite struct ASCIISearchTests {
    @Test(arguments: ["/a/b?x=1", "/café/ü?q=é?", "?", "/no-query", "", "/ä?", "?/a", "/a??b"])
    func findsTheSameIndexAsTheUTF8View(_ text: String) {
        let expected = text.utf8.firstIndex(of: UInt8(ascii: "?"))
        let found = text.firstIndex(ofASCII: UInt8(ascii: "?"))
        #expect(found == expected)
        if let found { #expect(text[found...].hasPrefix("?")) }
    }

    @Test func theSplitKeepsNonASCIIWhole() {
        let text = "/café?é=1"
        let mark = text.firstIndex(ofASCII: UInt8(ascii: "?"))!
        #expect(text[..<mark] == "/café")
        #expect(text[mark...] == "?é=1")
    }
}
