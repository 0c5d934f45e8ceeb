import Testing

@testable import GatewayCredentials

@Suite struct JSONDocumentTests {
    private func parse(_ text: String) throws(JSONDocument.ParseError) -> JSONDocument {
        try JSONDocument(parsing: Array(text.utf8))
    }

    private func parse(bytes: [UInt8]) throws(JSONDocument.ParseError) -> JSONDocument {
        try JSONDocument(parsing: bytes)
    }

    private func rejects(_ text: String) -> Bool {
        (try? self.parse(text)) == nil
    }

    @Test func valuesOfEveryKind() throws {
        let document = try self.parse(
            #" { "s":"x", "n":-1.5e2, "t":true, "f":false, "z":null, "a":[1,[2],{}], "o":{"k":"v"} } "#
        )
        let root = JSONDocument.root
        #expect(document.kind(root) == .object)
        #expect(document.string(document.member("s", in: root)!) == "x")
        #expect(document.kind(document.member("n", in: root)!) == .number)
        #expect(document.kind(document.member("t", in: root)!) == .true)
        #expect(document.kind(document.member("f", in: root)!) == .false)
        #expect(document.kind(document.member("z", in: root)!) == .null)
        let array = document.member("a", in: root)!
        #expect(Array(document.elements(of: array)).map { document.kind($0) } == [.number, .array, .object])
        let object = document.member("o", in: root)!
        #expect(document.string(document.member("k", in: object)!) == "v")
        #expect(document.member("missing", in: root) == nil)
        #expect(Array(document.members(of: root)).count == 7)
    }

    @Test func everyEscape() throws {
        let document = try self.parse(#"{"k":"\"\\\/\b\f\n\r\t\u0041\u00e9\u20ac\ud83d\ude00"}"#)
        #expect(document.string(document.member("k", in: JSONDocument.root)!) == "\"\\/\u{8}\u{c}\n\r\tAé€😀")
    }

    @Test func rawUTF8IsKept() throws {
        let document = try self.parse(#"{"k":"é€😀"}"#)
        #expect(document.string(document.member("k", in: JSONDocument.root)!) == "é€😀")
    }

    @Test func invalidStringsAreRejected() {
        #expect(self.rejects(#"{"k":"\ud83d"}"#))  // lone high surrogate
        #expect(self.rejects(#"{"k":"\ude00"}"#))  // lone low surrogate
        #expect(self.rejects(#"{"k":"\ud83d\u0041"}"#))  // high surrogate then not a low one
        #expect(self.rejects(#"{"k":"\x"}"#))
        #expect(self.rejects(#"{"k":"\u12"}"#))
        #expect(self.rejects(#"{"k":"\u12g4"}"#))
        #expect(self.rejects("{\"k\":\"a\nb\"}"))  // raw control character
        #expect(self.rejects(#"{"k":"abc}"#))
        // Invalid UTF-8: overlong, surrogate, beyond U+10FFFF, truncated, stray continuation.
        for bad: [UInt8] in [
            [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80],
            [0xE2, 0x82], [0x80], [0xFF],
        ] {
            let bytes = Array(#"{"k":""#.utf8) + bad + Array(#""}"#.utf8)
            #expect((try? self.parse(bytes: bytes)) == nil, "\(bad)")
        }
    }

    @Test func duplicateNamesAreRejectedAtEveryLevelAndAfterUnescaping() {
        #expect(self.rejects(#"{"a":1,"a":2}"#))
        #expect(self.rejects(#"{"a":1,"b":2,"\u0061":3}"#))
        #expect(self.rejects(#"{"o":{"x":1,"y":2,"x":3}}"#))
        #expect(self.rejects(#"{"l":[{"x":1,"x":1}]}"#))
        #expect(!self.rejects(#"{"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]}"#))  // same names, different objects
        // Large objects take the sorting path.
        let many = (0..<200).map { #""k\#($0)":\#($0)"# }
        #expect(!self.rejects("{" + many.joined(separator: ",") + "}"))
        #expect(self.rejects("{" + (many + [#""k150":0"#]).joined(separator: ",") + "}"))
        #expect(self.rejects("{" + ([#""k7":0"#] + many).joined(separator: ",") + "}"))
    }

    @Test func depthIsLimitedTo16() {
        let sixteen = String(repeating: "[", count: 16) + String(repeating: "]", count: 16)
        #expect(!self.rejects(sixteen))
        let seventeen = String(repeating: "[", count: 17) + String(repeating: "]", count: 17)
        #expect(self.rejects(seventeen))
        let objects = String(repeating: #"{"a":"#, count: 17) + "1" + String(repeating: "}", count: 17)
        #expect(self.rejects(objects))
    }

    @Test func structureErrorsAreRejected() {
        for text in [
            "", " ", "{", "}", #"{"a"}"#, #"{"a":}"#, #"{"a":1,}"#, "[1,]", "[1 2]", #"{"a":1 "b":2}"#, "{a:1}",
            "{'a':1}",
            #"{"a":1}x"#, #"{"a":1}{}"#, "\u{FEFF}{}", "tru", "nul", "falsey", "NaN", "Infinity",
        ] {
            #expect(self.rejects(text), "\(text)")
        }
        #expect(!self.rejects(" \t\r\n{}\r\n "))
    }

    @Test func numberGrammar() {
        for valid in ["0", "-0", "1", "-12", "1.5", "1e3", "1E+3", "1e-3", "-0.0e0", "123456789012345678901234567890"] {
            #expect(!self.rejects(valid), "\(valid)")
        }
        for invalid in ["01", "-", "+1", "1.", ".5", "1e", "1e+", "0x10", "1.5.2", "--1", "1 2"] {
            #expect(self.rejects(invalid), "\(invalid)")
        }
    }

    @Test func numericDatesRoundExactly() throws {
        func seconds(_ text: String, up: Bool) throws -> Int64? {
            try self.parse(text).integer(JSONDocument.root, roundingUp: up)
        }
        #expect(try seconds("1300819380", up: false) == 1_300_819_380)
        #expect(try seconds("1300819380.0", up: true) == 1_300_819_380)
        #expect(try seconds("1.30081938e9", up: true) == 1_300_819_380)
        #expect(try seconds("1.3008193805e9", up: false) == 1_300_819_380)
        #expect(try seconds("1.3008193805e9", up: true) == 1_300_819_381)
        #expect(try seconds("1.5", up: false) == 1)
        #expect(try seconds("1.5", up: true) == 2)
        #expect(try seconds("-1.5", up: false) == -2)
        #expect(try seconds("-1.5", up: true) == -1)
        #expect(try seconds("0.000001", up: true) == 1)
        #expect(try seconds("0.000001", up: false) == 0)
        #expect(try seconds("12e-1", up: false) == 1)
        #expect(try seconds("0.0e99999", up: false) == 0)
        #expect(try seconds("5e-99999", up: true) == 1)
        #expect(try seconds("9223372036854775807", up: false) == Int64.max)
        #expect(try seconds("9223372036854775808", up: false) == nil)
        #expect(try seconds("1e19", up: false) == nil)
        #expect(try seconds("1e99999", up: false) == nil)
        #expect(try seconds("\"1\"", up: false) == nil)
    }
}
