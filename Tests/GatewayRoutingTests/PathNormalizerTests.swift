import GatewayRouting
import Testing

@Suite("PathNormalizer")
struct PathNormalizerTests {
    private func normalized(_ raw: String) -> Result<String, BadPath> {
        PathNormalizer.normalize(raw[...])
    }

    @Test(
        "already normal paths are unchanged",
        arguments: ["/", "/a", "/a/b", "/a/b/", "/orders/42/items", "/a.b/c~d"]
    )
    func alreadyNormal(_ path: String) {
        #expect(self.normalized(path) == .success(path))
    }

    /// RFC 3986 §5.2.4's own example and the merged paths of §5.4.1 "Normal Examples" (base `http://a/b/c/d;p?q`).
    @Test(
        "dot-segments are resolved as RFC 3986 §5.2.4 and §5.4.1 do",
        arguments: [
            ("/a/b/c/./../../g", "/a/g"),
            ("/b/c/g", "/b/c/g"),
            ("/b/c/./g", "/b/c/g"),
            ("/b/c/g/", "/b/c/g/"),
            ("/b/c/.", "/b/c/"),
            ("/b/c/./", "/b/c/"),
            ("/b/c/..", "/b/"),
            ("/b/c/../", "/b/"),
            ("/b/c/../g", "/b/g"),
            ("/b/c/../..", "/"),
            ("/b/c/../../", "/"),
            ("/b/c/../../g", "/g"),
        ]
    )
    func rfc3986NormalExamples(_ raw: String, _ expected: String) {
        #expect(self.normalized(raw) == .success(expected))
    }

    /// The merged paths of RFC 3986 §5.4.2 "Abnormal Examples" that stay below the root.
    @Test(
        "dot-like segments and abnormal RFC 3986 §5.4.2 cases",
        arguments: [
            ("/./g", "/g"),
            ("/b/c/g.", "/b/c/g."),
            ("/b/c/.g", "/b/c/.g"),
            ("/b/c/g..", "/b/c/g.."),
            ("/b/c/..g", "/b/c/..g"),
            ("/b/c/...", "/b/c/..."),
            ("/b/c/./../g", "/b/g"),
            ("/b/c/./g/.", "/b/c/g/"),
            ("/b/c/g/./h", "/b/c/g/h"),
            ("/b/c/g/../h", "/b/c/h"),
            ("/b/c/g;x=1/./y", "/b/c/g;x=1/y"),
            ("/b/c/g;x=1/../y", "/b/c/y"),
            ("/public/../admin", "/admin"),
            ("/a/.", "/a/"),
            ("/a/..", "/"),
            ("/.", "/"),
        ]
    )
    func rfc3986AbnormalExamples(_ raw: String, _ expected: String) {
        #expect(self.normalized(raw) == .success(expected))
    }

    @Test(
        "a path that climbs above the root is refused, where RFC 3986 would drop the '..'",
        arguments: [
            "/..", "/../", "/../admin", "/a/../../b", "/b/c/../../../g", "/./../g", "/%2e%2e/admin",
            "/%2E%2E", "/.%2e/x", "/a/%2e%2e/%2e%2e/b", "///../a",
        ]
    )
    func climbingAboveRoot(_ raw: String) {
        #expect(self.normalized(raw) == .failure(.aboveRoot))
    }

    @Test(
        "dot-segments produced by decoding are resolved",
        arguments: [
            ("/a/%2E%2E/b", "/b"),
            ("/a/%2e/b", "/a/b"),
            ("/a/.%2e", "/"),
            ("/a/%2e%2E/", "/"),
            ("/public/%2e%2e/admin", "/admin"),
        ]
    )
    func decodedDotSegments(_ raw: String, _ expected: String) {
        #expect(self.normalized(raw) == .success(expected))
    }

    @Test(
        "percent-encoded unreserved characters are decoded (RFC 3986 §2.3)",
        arguments: [
            ("/%41%62%63", "/Abc"),
            ("/%7e%7E", "/~~"),
            ("/%2D%2e%5f%5F%30%39", "/-.__09"),
            ("/%61dmin", "/admin"),
            ("/a%5fb", "/a_b"),
        ]
    )
    func unreservedAreDecoded(_ raw: String, _ expected: String) {
        #expect(self.normalized(raw) == .success(expected))
    }

    @Test(
        "other escapes are kept, with uppercase hex digits (RFC 3986 §6.2.2.1)",
        arguments: [
            ("/a%3bb", "/a%3Bb"),
            ("/a%3Bb", "/a%3Bb"),
            ("/%3f", "/%3F"),
            ("/%23", "/%23"),
            ("/%25", "/%25"),
            ("/%252F", "/%252F"),
            ("/%20x", "/%20x"),
            ("/%e2%82%ac", "/%E2%82%AC"),
            ("/%0a", "/%0A"),
            ("/%40%3A", "/%40%3A"),
        ]
    )
    func reservedAreKept(_ raw: String, _ expected: String) {
        #expect(self.normalized(raw) == .success(expected))
    }

    @Test(
        "characters a path may hold literally are kept (RFC 3986 §3.3 pchar)",
        arguments: ["/a;b=c,d", "/!$&'()*+", "/user@host:8080", "/a-b_c.d~e"]
    )
    func literalPathCharactersAreKept(_ path: String) {
        #expect(self.normalized(path) == .success(path))
    }

    @Test(
        "bytes that may not stand for themselves are percent-encoded",
        arguments: [
            ("/caf\u{E9}", "/caf%C3%A9"),
            ("/a\"b", "/a%22b"),
            ("/{x}", "/%7Bx%7D"),
            ("/a<b>|^`", "/a%3Cb%3E%7C%5E%60"),
            ("/[x]", "/%5Bx%5D"),
        ]
    )
    func nonPathCharactersAreEncoded(_ raw: String, _ expected: String) {
        #expect(self.normalized(raw) == .success(expected))
    }

    @Test("every escape: decoded exactly when unreserved, else kept uppercased or refused")
    func everyEscape() {
        let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)
        let hexDigits = Array("0123456789ABCDEF".utf8)
        for byte in UInt8.min...UInt8.max {
            let hex = String(decoding: [hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]], as: UTF8.self)
            let result = self.normalized("/a%\(hex.lowercased())b")
            switch byte {
            case 0:
                #expect(result == .failure(.nul))
            case UInt8(ascii: "/"):
                #expect(result == .failure(.encodedSlash))
            case UInt8(ascii: "\\"):
                #expect(result == .failure(.encodedBackslash))
            case _ where unreserved.contains(byte):
                #expect(result == .success("/a" + String(decoding: [byte], as: UTF8.self) + "b"), "%\(hex)")
            default:
                #expect(result == .success("/a%\(hex)b"), "%\(hex)")
            }
        }
    }

    @Test("every ASCII byte: kept when a path may hold it literally (RFC 3986 §3.3), else encoded or refused")
    func everyLiteralByte() {
        let literal = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@".utf8)
        let hexDigits = Array("0123456789ABCDEF".utf8)
        for byte in UInt8(0)...UInt8(127) where byte != UInt8(ascii: "/") && byte != UInt8(ascii: "%") {
            let result = self.normalized("/a" + String(decoding: [byte], as: UTF8.self) + "b")
            let hex = String(decoding: [hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]], as: UTF8.self)
            if byte == 0 {
                #expect(result == .failure(.nul))
            } else if byte == UInt8(ascii: "\\") {
                #expect(result == .failure(.backslash))
            } else if byte <= 0x20 || byte == 0x7F {
                #expect(result == .failure(.controlCharacter), "0x\(hex)")
            } else if literal.contains(byte) {
                #expect(result == .success("/a" + String(decoding: [byte], as: UTF8.self) + "b"), "0x\(hex)")
            } else {
                #expect(result == .success("/a%\(hex)b"), "0x\(hex)")
            }
        }
    }

    @Test("a raw and a percent-encoded non-ASCII path normalise alike")
    func rawAndEncodedUTF8AreOnePath() {
        #expect(self.normalized("/caf\u{E9}/x") == self.normalized("/caf%c3%a9/x"))
        #expect(self.normalized("/caf\u{E9}/x") == .success("/caf%C3%A9/x"))
    }

    @Test("an encoded slash is refused", arguments: ["/a%2Fb", "/a%2fb", "/%2F", "/admin%2f..%2fx"])
    func encodedSlash(_ raw: String) {
        #expect(self.normalized(raw) == .failure(.encodedSlash))
    }

    @Test("an encoded backslash is refused", arguments: ["/a%5Cb", "/a%5cb", "/%5C..%5Cadmin"])
    func encodedBackslash(_ raw: String) {
        #expect(self.normalized(raw) == .failure(.encodedBackslash))
    }

    @Test("a literal backslash is refused", arguments: ["/a\\b", "\\", "/..\\admin", "/a/\\"])
    func literalBackslash(_ raw: String) {
        let expected: Result<String, BadPath> = raw.hasPrefix("/") ? .failure(.backslash) : .failure(.notAbsolute)
        #expect(self.normalized(raw) == expected)
    }

    @Test("a NUL, literal or encoded, is refused", arguments: ["/a\u{0}b", "/\u{0}", "/a%00b", "/%00"])
    func nul(_ raw: String) {
        #expect(self.normalized(raw) == .failure(.nul))
    }

    @Test(
        "a malformed escape is refused",
        arguments: ["/%zz", "/%4", "/a%", "/%", "/%%41", "/%g1", "/%1g", "/a%2", "/%-1", "/% 1"]
    )
    func malformedEscape(_ raw: String) {
        #expect(self.normalized(raw) == .failure(.malformedEscape))
    }

    @Test(
        "a literal space or control character is refused",
        arguments: ["/a b", "/a\tb", "/a\r\nb", "/\u{7F}", "/\u{1B}[0m", "/a/ "]
    )
    func controlCharacters(_ raw: String) {
        #expect(self.normalized(raw) == .failure(.controlCharacter))
    }

    @Test(
        "runs of slashes are merged",
        arguments: [
            ("//", "/"),
            ("///", "/"),
            ("//a", "/a"),
            ("/a//b", "/a/b"),
            ("//a///b//", "/a/b/"),
            ("/a/.//b", "/a/b"),
            ("//a/..//b", "/b"),
        ]
    )
    func mergedSlashes(_ raw: String, _ expected: String) {
        #expect(self.normalized(raw) == .success(expected))
    }

    @Test("a path must begin with '/'", arguments: ["", "a", "a/b", "*", "http://example.com/a", "%2F", "./a"])
    func notAbsolute(_ raw: String) {
        #expect(self.normalized(raw) == .failure(.notAbsolute))
    }

    @Test("a Substring cut from a request target is normalised alone")
    func substringInput() throws {
        let target = "/a/./b%7e?x=/../..&y=%2F"
        let path = target[..<(try #require(target.firstIndex(of: "?")))]
        #expect(PathNormalizer.normalize(path) == .success("/a/b~"))
        #expect(PathNormalizer.normalize("/a/./b") == .success("/a/b"))
    }

    @Test("long paths are normalised whole")
    func longPath() {
        let segments = (0..<2000).map { "s\($0)" }
        let raw = "/" + segments.joined(separator: "/./") + "/x/../%7e\u{E9}"
        let expected = "/" + segments.joined(separator: "/") + "/~%C3%A9"
        #expect(self.normalized(raw) == .success(expected))
        #expect(self.normalized(raw + "/" + String(repeating: "../", count: 2002)) == .failure(.aboveRoot))
        #expect(self.normalized(raw + "/" + String(repeating: "../", count: 2001)) == .success("/"))
    }

    @Test(
        "normalisation is idempotent",
        arguments: ["/a/./b/../c/", "//x//%7e/%3b", "/caf\u{E9}/%2e/", "/b/c/g;x=1/../y", "/%e2%82%ac/..", "/a/."]
    )
    func idempotent(_ raw: String) throws {
        let once = try self.normalized(raw).get()
        #expect(self.normalized(once) == .success(once))
    }

    @Test("every cause has its own description")
    func descriptions() {
        let causes: [BadPath] = [
            .notAbsolute, .malformedEscape, .encodedSlash, .encodedBackslash, .backslash, .nul, .controlCharacter,
            .aboveRoot,
        ]
        let descriptions = causes.map(\.description)
        #expect(Set(descriptions).count == causes.count)
        #expect(descriptions.allSatisfy { !$0.isEmpty })
        #expect(BadPath.encodedSlash.description.contains("%2F"))
    }
}
