import Testing

@testable import GatewayCredentials

/// Component values and signature base lines (RFC 9421 §2.1, §2.2, §2.5), with the RFC's own
/// examples where it gives them.
@Suite struct SignaturesComponentTests {
    /// The base `request` gives for the covered components of `inner` (an inner list in
    /// `Signature-Input` syntax, e.g. `("@method" "x-a";bs)`), or the error.
    func base(_ request: SignedRequest, _ inner: String) throws -> String {
        let dictionary = try #require(StructuredFields.dictionary("sig=\(inner)"))
        guard case .innerList(let list)? = dictionary["sig"] else {
            Issue.record("not an inner list")
            return ""
        }
        var identifiers: [ComponentIdentifier] = []
        for item in list.bareInnerList { identifiers.append(try ComponentIdentifier.parse(item).get()) }
        let bytes = try SignatureBase.build(request, components: identifiers, signatureParameters: Array(inner.utf8))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The lines of the base before `"@signature-params"`.
    func lines(_ request: SignedRequest, _ inner: String) throws -> [String] {
        let text = try self.base(request, inner)
        return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    func request(_ target: String, fields: [(name: String, value: String)] = []) -> SignedRequest {
        SignedRequest(method: "POST", scheme: "https", authority: "www.example.com", target: target, fields: fields)
    }

    // MARK: Derived components (§2.2)

    /// §2.2.1–§2.2.7 with the RFC's request `POST /path?param=value HTTP/1.1`, `Host: www.example.com`.
    @Test func derivedComponentsOfTheRFCsExample() throws {
        let request = self.request("/path?param=value")
        #expect(try self.lines(request, #"("@method")"#) == [#""@method": POST"#])
        #expect(
            try self.lines(request, #"("@target-uri")"#) == [
                #""@target-uri": https://www.example.com/path?param=value"#
            ]
        )
        #expect(try self.lines(request, #"("@authority")"#) == [#""@authority": www.example.com"#])
        #expect(try self.lines(request, #"("@scheme")"#) == [#""@scheme": https"#])
        #expect(try self.lines(request, #"("@request-target")"#) == [#""@request-target": /path?param=value"#])
        #expect(try self.lines(request, #"("@path")"#) == [#""@path": /path"#])
        #expect(try self.lines(request, #"("@query")"#) == [#""@query": ?param=value"#])
    }

    /// §2.2.7: an empty query and an absent one are both `?`; values stay percent-encoded.
    @Test func queryValues() throws {
        #expect(try self.lines(self.request("/path?"), #"("@query")"#) == [#""@query": ?"#])
        #expect(try self.lines(self.request("/path"), #"("@query")"#) == [#""@query": ?"#])
        #expect(
            try self.lines(self.request("/path?queryString=%2Fa%20b"), #"("@query")"#)
                == [#""@query": ?queryString=%2Fa%20b"#]
        )
    }

    /// §2.2.6: the path as received, before any decoding or dot-segment removal (SPEC §9).
    @Test func pathAsReceived() throws {
        #expect(try self.lines(self.request("/a/../b%2Fc//d?x"), #"("@path")"#) == [#""@path": /a/../b%2Fc//d"#])
    }

    /// The request-target forms of RFC 9112 §3.2.
    @Test func absoluteAndAsteriskForms() throws {
        let absolute = self.request("https://www.example.com/path?param=value")
        #expect(try self.lines(absolute, #"("@path" "@query")"#) == [#""@path": /path"#, #""@query": ?param=value"#])
        #expect(
            try self.lines(absolute, #"("@target-uri")"#) == [
                #""@target-uri": https://www.example.com/path?param=value"#
            ]
        )
        #expect(
            try self.lines(absolute, #"("@request-target")"#)
                == [#""@request-target": https://www.example.com/path?param=value"#]
        )
        let asterisk = SignedRequest(method: "OPTIONS", scheme: "https", authority: "www.example.com", target: "*")
        #expect(try self.lines(asterisk, #"("@request-target")"#) == [#""@request-target": *"#])
        #expect(try self.lines(asterisk, #"("@target-uri")"#) == [#""@target-uri": https://www.example.com"#])
    }

    /// §2.2.3 (RFC 9110 §4.2.3): lowercase host, no default or empty port.
    @Test func authorityNormalisation() {
        #expect(DerivedComponents.authority("WWW.Example.COM", scheme: "https") == "www.example.com")
        #expect(DerivedComponents.authority("www.example.com:443", scheme: "https") == "www.example.com")
        #expect(DerivedComponents.authority("www.example.com:443", scheme: "http") == "www.example.com:443")
        #expect(DerivedComponents.authority("www.example.com:80", scheme: "HTTP") == "www.example.com")
        #expect(DerivedComponents.authority("www.example.com:8443", scheme: "https") == "www.example.com:8443")
        #expect(DerivedComponents.authority("www.example.com:", scheme: "https") == "www.example.com")
        #expect(DerivedComponents.authority("[::1]:443", scheme: "https") == "[::1]")
        #expect(DerivedComponents.authority("[::1]", scheme: "https") == "[::1]")
        #expect(DerivedComponents.authority("[2001:DB8::1]:8080", scheme: "http") == "[2001:db8::1]:8080")
    }

    /// §2.2.8's examples.
    @Test func queryParameters() throws {
        let request = self.request("/path?param=value&foo=bar&baz=batman&qux=")
        #expect(
            try self.lines(
                request,
                #"("@query-param";name="baz" "@query-param";name="qux" "@query-param";name="param")"#
            )
                == [
                    #""@query-param";name="baz": batman"#, #""@query-param";name="qux": "#,
                    #""@query-param";name="param": value"#,
                ]
        )
        let encoded = self.request(
            "/parameters?var=this%20is%20a%20big%0Amultiline%20value&bar=with+plus+whitespace&fa%C3%A7ade%22%3A%20=something"
        )
        #expect(
            try self.lines(
                encoded,
                #"("@query-param";name="var" "@query-param";name="bar" "@query-param";name="fa%C3%A7ade%22%3A%20")"#
            ) == [
                #""@query-param";name="var": this%20is%20a%20big%0Amultiline%20value"#,
                #""@query-param";name="bar": with%20plus%20whitespace"#,
                #""@query-param";name="fa%C3%A7ade%22%3A%20": something"#,
            ]
        )
    }

    @Test func aQueryParameterThatIsAbsentOrRepeatedCannotBeCovered() {
        #expect(DerivedComponents.queryParameter("a", in: "a=1&a=2") == nil)
        #expect(DerivedComponents.queryParameter("b", in: "a=1") == nil)
        #expect(DerivedComponents.queryParameter("a", in: nil) == nil)
        #expect(DerivedComponents.queryParameter("a", in: "a") == "")
        #expect(DerivedComponents.queryParameter("a", in: "&&a=%zz%4") == "%25zz%254")
        #expect(DerivedComponents.queryParameter("a%20b", in: "a+b=~x") == "%7Ex")
        #expect(
            signatureError { try self.base(self.request("/p?a=1&a=2"), #"("@query-param";name="a")"#) } == .badSignature
        )
    }

    // MARK: Fields (§2.1)

    /// §2.1's example: lines stripped and combined with ", ", an empty value kept.
    @Test func fieldValuesAreStrippedAndCombined() throws {
        let request = self.request(
            "/",
            fields: [
                ("Host", "www.example.com"), ("Date", "Tue, 20 Apr 2021 02:07:56 GMT"),
                ("X-OWS-Header", "   Leading and trailing whitespace.   "),
                ("X-Obs-Fold-Header", "Obsolete line folding."), ("Cache-Control", "max-age=60"),
                ("Example-Header", "value, with, lots"),
                ("X-Empty-Header", ""), ("Cache-Control", "   must-revalidate"), ("Example-Header", "of, commas"),
            ]
        )
        #expect(
            try self.lines(
                request,
                #"("host" "date" "x-ows-header" "x-obs-fold-header" "cache-control" "example-header" "x-empty-header")"#
            ) == [
                #""host": www.example.com"#, #""date": Tue, 20 Apr 2021 02:07:56 GMT"#,
                #""x-ows-header": Leading and trailing whitespace."#, #""x-obs-fold-header": Obsolete line folding."#,
                #""cache-control": max-age=60, must-revalidate"#, #""example-header": value, with, lots, of, commas"#,
                #""x-empty-header": "#,
            ]
        )
    }

    /// §2.1.3's example: each line as its own byte sequence.
    @Test func byteSequenceFields() throws {
        let request = self.request(
            "/",
            fields: [("Example-Header", "value, with, lots"), ("Example-Header", "of, commas")]
        )
        #expect(
            try self.lines(request, #"("example-header";bs)"#)
                == [#""example-header";bs: :dmFsdWUsIHdpdGgsIGxvdHM=:, :b2YsIGNvbW1hcw==:"#]
        )
    }

    /// §2.1.2's examples: a dictionary member serialized on its own.
    @Test func dictionaryMembers() throws {
        let request = self.request("/", fields: [("Example-Dict", "  a=1, b=2;x=1;y=2, c=(a   b    c), d")])
        #expect(
            try self.lines(
                request,
                #"("example-dict";key="a" "example-dict";key="d" "example-dict";key="b" "example-dict";key="c")"#
            ) == [
                #""example-dict";key="a": 1"#, #""example-dict";key="d": ?1"#, #""example-dict";key="b": 2;x=1;y=2"#,
                #""example-dict";key="c": (a b c)"#,
            ]
        )
        #expect(signatureError { try self.base(request, #"("example-dict";key="z")"#) } == .badSignature)
        let notADictionary = self.request("/", fields: [("Example-Dict", "(((")])
        #expect(signatureError { try self.base(notADictionary, #"("example-dict";key="a")"#) } == .badSignature)
    }

    /// §2.1.1: a structured field of known type, serialized again.
    @Test func structuredFields() throws {
        let request = self.request(
            "/",
            fields: [("Priority", "u=3,    i"), ("Content-Digest", "sha-256=:AAAA:  ,  md5=:BB==:;x")]
        )
        #expect(
            try self.lines(request, #"("priority";sf "content-digest";sf "priority")"#) == [
                #""priority";sf: u=3, i"#, #""content-digest";sf: sha-256=:AAAA:, md5=:BB==:;x"#,
                #""priority": u=3,    i"#,
            ]
        )
        let broken = self.request("/", fields: [("Priority", "u=")])
        #expect(signatureError { try self.base(broken, #"("priority";sf)"#) } == .badSignature)
        // A field whose structured type is not known cannot be covered with ;sf.
        let unknown = try #require(StructuredFields.dictionary(#"s=("example-dict";sf)"#))
        guard case .innerList(let list)? = unknown["s"], let item = list.bareInnerList.first else {
            Issue.record("no identifier")
            return
        }
        #expect(signatureError { try ComponentIdentifier.parse(item).get() } == .malformedCredential)
    }

    @Test func anAbsentFieldCannotBeCovered() {
        #expect(signatureError { try self.base(self.request("/"), #"("x-missing")"#) } == .badSignature)
        #expect(signatureError { try self.base(self.request("/"), #"("x-missing";bs)"#) } == .badSignature)
    }

    /// A line break in a value would forge further lines of the base.
    @Test func aLineBreakInAValueIsRefused() {
        let request = self.request("/", fields: [("X-Evil", "a\n\"@method\": GET")])
        #expect(signatureError { try self.base(request, #"("x-evil")"#) } == .badSignature)
    }

    /// The `@signature-params` line ends the base, without a newline (§2.5).
    @Test func theBaseEndsWithTheSignatureParameters() throws {
        let text = try self.base(self.request("/p"), #"("@method" "@path");created=1;keyid="k""#)
        #expect(
            text == """
                "@method": POST
                "@path": /p
                "@signature-params": ("@method" "@path");created=1;keyid="k"
                """
        )
    }

    // MARK: The request view

    @Test func fieldLookupIgnoresCase() {
        let request = self.request("/", fields: [("X-A", " 1 "), ("x-a", "2\t"), ("X-B", "3")])
        #expect(request.fieldValue("x-a") == "1, 2")
        #expect(request.fieldValue("x-b") == "3")
        #expect(request.fieldValue("x-c") == nil)
    }

    @Test func requestsFromURLs() throws {
        let request = try #require(SignedRequest(method: "GET", url: "https://API.example.com:8443/a/b?c=d#frag"))
        #expect(request.scheme == "https")
        #expect(request.authority == "API.example.com:8443")
        #expect(request.target == "/a/b?c=d")
        let bare = try #require(SignedRequest(method: "GET", url: "http://example.com"))
        #expect(bare.target == "/")
        let query = try #require(SignedRequest(method: "GET", url: "http://example.com?x=1"))
        #expect(query.target == "/?x=1")
        #expect(SignedRequest(method: "GET", url: "ftp://example.com/") == nil)
        #expect(SignedRequest(method: "GET", url: "/relative") == nil)
        #expect(SignedRequest(method: "GET", url: "https://user@example.com/") == nil)
    }

    @Test func base64() {
        #expect(Base64.encode(Array("value, with, lots".utf8)) == "dmFsdWUsIHdpdGgsIGxvdHM=")
        #expect(Base64.decode("dmFsdWUsIHdpdGgsIGxvdHM=") == Array("value, with, lots".utf8))
        #expect(Base64.decode("dmFsdWUsIHdpdGgsIGxvdHM") == Array("value, with, lots".utf8))
        #expect(Base64.decode("b2YsIGNvbW1hcw==") == Array("of, commas".utf8))
        #expect(Base64.decode("") == [])
        #expect(Base64.decode("a") == nil)
        #expect(Base64.decode("ab-_") == nil)
        #expect(Base64.decode("ab=c") == nil)
        #expect(Base64.decode("a===") == nil)
    }
}
