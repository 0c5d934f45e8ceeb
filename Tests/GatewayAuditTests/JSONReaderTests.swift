import Testing

@testable import GatewayAudit

@Suite("JSONReader and JSONValue: what the verifier re-encodes")
struct JSONReaderTests {
    private func canonical(_ text: String) throws -> String {
        String(decoding: try JSONReader.parse(Array(text.utf8)).canonicalBytes, as: UTF8.self)
    }

    @Test("re-encodes to JCS: sorted names, no whitespace, minimal escapes")
    func canonicalForm() throws {
        #expect(
            try self.canonical(#" { "b" : [1, -2, true, false, null] , "a" : "x\/y\u00e9\u001F" } "#)
                == #"{"a":"x/yé\u001f","b":[1,-2,true,false,null]}"#
        )
    }

    @Test("names sort by UTF-16 code units, not code points (RFC 8785 §3.2.3)")
    func utf16Order() throws {
        // U+1F600 is D83D DE00 in UTF-16, so it sorts before U+E000 although its code point is larger.
        #expect(try self.canonical(#"{"\uE000":1,"\uD83D\uDE00":2,"a":3}"#) == "{\"a\":3,\"😀\":2,\"\u{E000}\":1}")
    }

    @Test(
        "refuses what the audit log cannot have written",
        arguments: [
            #"{"a":1,"a":2}"#,  // duplicate names (RFC 7493 §2.3)
            #"{"a":1.5}"#,  // fractions
            #"{"a":1e3}"#,
            #"{"a":9007199254740992}"#,  // beyond 2^53 - 1
            #"{"a":"\uD800"}"#,  // lone surrogate
            #"{"a":"\uDC00x"}"#,
            #"{"a":01}"#,  // leading zero
            #"{"a":"x"} x"#,  // trailing text
            #"{"a":"#,  // cut short
            "{\"a\":\"\u{01}\"}",  // unescaped control character
            #"{"a":tru}"#,
            #"{"a":NaN}"#,
        ]
    )
    func refuses(text: String) {
        #expect(throws: JSONReader.Error.self) { try JSONReader.parse(Array(text.utf8)) }
    }

    @Test("refuses invalid UTF-8")
    func invalidUTF8() {
        let bytes: [UInt8] = Array(#"{"a":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        #expect(throws: JSONReader.Error.self) { try JSONReader.parse(bytes) }
    }

    @Test("surrogate pairs decode to one scalar")
    func surrogatePair() throws {
        #expect(try JSONReader.parse(Array(#""\uD83D\uDE00""#.utf8)) == .string("😀"))
    }
}

@Suite("CanonicalJSON.precedes: the JCS order of member names")
struct CanonicalOrderTests {
    @Test("agrees with comparing UTF-16 code units on names from every range that matters")
    func agreesWithUTF16() {
        let samples = [
            "", "a", "ab", "b", "A", "_", "~", "\u{7F}", "é", "ü", "\u{7FF}", "\u{800}", "€", "\u{D7FF}",
            "\u{E000}", "\u{FB01}", "\u{FFFD}", "\u{FFFF}", "\u{10000}", "😀", "\u{10FFFF}", "a😀", "a\u{E000}",
            "😀a", "\u{E000}a", "ab\u{FFFF}", "ab\u{10000}",
        ]
        for lhs in samples {
            for rhs in samples {
                let expected = lhs.utf16.lexicographicallyPrecedes(rhs.utf16)
                #expect(
                    CanonicalJSON.precedes(lhs, rhs) == expected,
                    "\(lhs.unicodeScalars.map(\.value)) < \(rhs.unicodeScalars.map(\.value))"
                )
            }
        }
    }
}
