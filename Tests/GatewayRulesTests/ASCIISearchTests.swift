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

    @Test func aTargetSplitsAtItsFirstQuestionMark() {
        #expect("/a/b?x=1?y".targetPath == "/a/b")
        #expect("/a/b?x=1?y".targetQuery == "?x=1?y")
        #expect("/café?é".targetPath == "/café")
        #expect("/café?é".targetQuery == "?é")
        #expect("/no-query".targetPath == "/no-query")
        #expect("/no-query".targetQuery == "")
        #expect("?".targetPath == "")
        #expect("?".targetQuery == "?")
    }
}
