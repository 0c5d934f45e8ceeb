import GatewayHTTP1
import Testing

/// The request-smuggling corpus: one test per known pattern, each pinning the decoder's exact
/// outcome (refused with which kind, or exactly which messages and where the next one starts).
/// Every input is also decoded one byte at a time, which must give the same outcome.
///
/// Vectors marked "llhttp:" are carried over from llhttp's test suite (test/request/*.md).
@Suite struct HTTP1SmugglingTests {
    /// Decodes `input` whole and byte by byte; both must agree.
    private func decode(_ input: String, limits: HTTP1Limits = HTTP1Limits()) -> RequestOutcome {
        let whole = decodeRequests(input, limits: limits)
        let bytewise = decodeRequests(input, splits: Array(0..<input.utf8.count), limits: limits)
        #expect(whole == bytewise, "split feeding changed the outcome")
        return whole
    }

    private func expectRefused(
        _ input: String,
        _ kind: HTTP1RequestError.Kind,
        requestLine: HTTP1RequestLine? = HTTP1RequestLine(method: "POST", target: "/"),
        completeRequests: Int = 0,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let outcome = self.decode(input)
        #expect(outcome.error?.kind == kind, "\(String(describing: outcome.error))", sourceLocation: sourceLocation)
        #expect(outcome.error?.requestLine == requestLine, sourceLocation: sourceLocation)
        #expect(outcome.requests.filter(\.ended).count == completeRequests, sourceLocation: sourceLocation)
    }

    private func expectMalformed(_ input: String, sourceLocation: SourceLocation = #_sourceLocation) {
        self.expectRefused(input, .malformed, sourceLocation: sourceLocation)
    }

    // MARK: CL.TE and TE.CL

    @Test func contentLengthThenTransferEncoding() {
        self.expectMalformed(
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 13\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nSMUGGLED"
        )
    }

    @Test func transferEncodingThenContentLength() {
        self.expectMalformed(
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n"
                + "5c\r\nGPOST / HTTP/1.1\r\n"
        )
    }

    @Test func contentLengthWithUnsupportedTransferEncoding() {
        // llhttp: "POST with Transfer-Encoding and Content-Length" (identity).
        self.expectMalformed("POST / HTTP/1.1\r\nTransfer-Encoding: identity\r\nContent-Length: 5\r\n\r\nWorld")
    }

    @Test func contentLengthWithEmptyTransferEncodings() {
        // llhttp: "POST with empty Transfer-Encoding and Content-Length".
        self.expectMalformed(
            "POST / HTTP/1.1\r\nHost: foo\r\nContent-Length: 10\r\nTransfer-Encoding:\r\nTransfer-Encoding:\r\n\r\n"
                + "2\r\nAA\r\n0\r\n"
        )
    }

    // MARK: TE.TE obfuscations

    @Test func xchunkedIsUnsupported() {
        self.expectRefused(
            "POST / HTTP/1.1\r\nTransfer-Encoding: xchunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            .unsupportedTransferEncoding
        )
    }

    @Test func chunkedchunkedIsUnsupported() {
        // llhttp: "POST with chunkedchunked as transfer-encoding".
        self.expectRefused(
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunkedchunked\r\n\r\n5\r\nWorld\r\n0\r\n\r\n",
            .unsupportedTransferEncoding
        )
    }

    @Test func extraSpaceBeforeChunkedIsOptionalWhitespace() {
        // ` chunked`: leading OWS is not part of the value (RFC 9112 §5); llhttp agrees.
        let outcome = self.decode("POST / HTTP/1.1\r\nTransfer-Encoding:  chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
        #expect(outcome.error == nil)
        #expect(outcome.requests.count == 1)
        #expect(outcome.requests.first?.framing == .chunked)
        #expect(outcome.requests.first?.bodyText == "hello")
        #expect(outcome.requests.first?.ended == true)
    }

    @Test func tabBeforeChunkedIsOptionalWhitespace() {
        let outcome = self.decode("POST / HTTP/1.1\r\nTransfer-Encoding:\tchunked\r\n\r\n0\r\n\r\n")
        #expect(outcome.error == nil)
        #expect(outcome.requests.first?.framing == .chunked)
        #expect(outcome.requests.first?.ended == true)
    }

    @Test func chunkedFollowedBySpaceIsRefused() {
        // llhttp reads this as chunked, but chunked + HTAB as not chunked: refuse both.
        self.expectMalformed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked \r\n\r\n0\r\n\r\n")
    }

    @Test func chunkedFollowedByTabIsRefused() {
        self.expectMalformed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\t\r\n\r\n0\r\n\r\n")
    }

    @Test func duplicateTransferEncodingFieldsAreRefused() {
        self.expectMalformed(
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        )
        // llhttp: "POST with chunked as last transfer-encoding (multiple headers)" (llhttp accepts).
        self.expectMalformed(
            "POST / HTTP/1.1\r\nTransfer-Encoding: deflate\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        )
        // llhttp: "POST with chunked and duplicate transfer-encoding".
        self.expectMalformed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: deflate\r\n\r\nWorld")
    }

    @Test func chunkedThenIdentityIsUnsupported() {
        self.expectRefused(
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
            .unsupportedTransferEncoding
        )
    }

    @Test func codingBeforeChunkedIsUnsupported() {
        // llhttp: "POST with chunked as last transfer-encoding" (llhttp accepts and decodes chunks).
        self.expectRefused(
            "POST / HTTP/1.1\r\nTransfer-Encoding: deflate, chunked\r\n\r\n5\r\nWorld\r\n0\r\n\r\n",
            .unsupportedTransferEncoding
        )
    }

    @Test func chunkedTwiceInOneListIsRefused() {
        self.expectMalformed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n")
    }

    @Test func chunkedWithAParameterWithoutValueIsRefused() {
        self.expectMalformed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked;x\r\n\r\n0\r\n\r\n")
    }

    @Test func chunkedWithAParameterIsUnsupported() {
        self.expectRefused(
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked;q=1\r\n\r\n0\r\n\r\n",
            .unsupportedTransferEncoding
        )
    }

    @Test func transferEncodingFoldedOntoTheNextLineIsRefused() {
        self.expectMalformed("POST / HTTP/1.1\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n")
        // llhttp: "Invalid OBS fold after chunked value".
        self.expectMalformed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n  abc\r\n\r\n5\r\nWorld\r\n0\r\n\r\n")
    }

    @Test func spaceBeforeTheColonOfTransferEncodingIsRefused() {
        self.expectMalformed("POST / HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n")
    }

    @Test func uppercaseChunkedIsChunked() {
        let outcome = self.decode("POST / HTTP/1.1\r\ntransfer-encoding: CHUNKED\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
        #expect(outcome.error == nil)
        #expect(outcome.requests.first?.bodyText == "abc")
    }

    @Test func unknownTransferEncodingIsUnsupported() {
        // llhttp: "Ignoring pigeons".
        self.expectRefused(
            "PUT /url HTTP/1.1\r\nTransfer-Encoding: pigeons\r\n\r\n",
            .unsupportedTransferEncoding,
            requestLine: .init(method: "PUT", target: "/url")
        )
    }

    @Test func transferEncodingInHTTP10IsRefused() {
        self.expectMalformed("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    }

    // MARK: Content-Length

    @Test func duplicateEqualContentLengthsAreRefused() {
        self.expectMalformed("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello")
    }

    @Test func differingContentLengthsAreRefused() {
        self.expectMalformed("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!")
    }

    @Test func contentLengthListIsRefused() {
        self.expectMalformed("POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\nhello")
    }

    @Test func signedContentLengthsAreRefused() {
        self.expectMalformed("POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\nhello")
        self.expectMalformed("POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\nhello")
    }

    @Test func spaceInsideContentLengthIsRefused() {
        // llhttp: "Spaces in Content-Length #2".
        self.expectMalformed("POST / HTTP/1.1\r\nContent-Length: 4 2\r\n\r\n")
    }

    @Test func leadingZeroContentLengthIsRefused() {
        self.expectMalformed("POST / HTTP/1.1\r\nContent-Length: 005\r\n\r\nhello")
        self.expectMalformed("POST / HTTP/1.1\r\nContent-Length: 00\r\n\r\n")
    }

    @Test func hexContentLengthIsRefused() {
        self.expectMalformed("POST / HTTP/1.1\r\nContent-Length: 0x5\r\n\r\nhello")
    }

    @Test func overflowingContentLengthIsRefused() {
        // llhttp: "Error on Content-Length overflow".
        self.expectMalformed("POST / HTTP/1.1\r\nContent-Length: 1000000000000000000000\r\n\r\n")
        self.expectMalformed("POST / HTTP/1.1\r\nContent-Length: 9223372036854775808\r\n\r\n")
    }

    @Test func emptyContentLengthIsRefused() {
        // llhttp: "Empty Content-Length".
        self.expectMalformed("POST / HTTP/1.1\r\nContent-Length:\r\n\r\n")
    }

    @Test func contentLengthWithCRInsteadOfDashIsRefused() {
        // llhttp: "Content-Length with CR instead of dash".
        self.expectRefused(
            "PUT /url HTTP/1.1\r\nContent\rLength: 003\r\n\r\nabc",
            .malformed,
            requestLine: .init(method: "PUT", target: "/url")
        )
    }

    @Test func contentLengthSurroundedByWhitespaceIsAccepted() {
        // llhttp: "Spaces in Content-Length (surrounding)": OWS is not part of the value.
        let outcome = self.decode("POST / HTTP/1.1\r\nContent-Length: \t 3  \r\n\r\nabcGET / HTTP/1.1\r\n\r\n")
        #expect(outcome.error == nil)
        #expect(outcome.requests.map(\.bodyText) == ["abc", ""])
        #expect(outcome.requests.map(\.method) == ["POST", "GET"])
    }

    @Test func tabAfterContentLengthIsRefused() {
        // NIO's llhttp refuses a tab after the digits; others read it as OWS: refuse.
        self.expectMalformed("POST / HTTP/1.1\r\nContent-Length: 3\t\r\n\r\nabc")
        self.expectMalformed("POST / HTTP/1.1\r\nContent-Length: 3 \t \r\n\r\nabc")
    }

    // MARK: Chunk sizes and extensions

    @Test func overflowingChunkSizeIsRefused() {
        self.expectMalformed(
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nabc\r\n0\r\n\r\n"
        )
        self.expectMalformed(
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8000000000000000\r\nabc\r\n0\r\n\r\n"
        )
    }

    @Test func hexPrefixedChunkSizeIsRefused() {
        self.expectMalformed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n")
    }

    @Test func negativeChunkSizeIsRefused() {
        self.expectMalformed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n")
    }

    @Test func whitespaceAroundChunkSizeIsRefused() {
        // llhttp: "Space after chunk header".
        self.expectMalformed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n")
        self.expectMalformed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n0\r\n\r\n")
        self.expectMalformed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n+5\r\nhello\r\n0\r\n\r\n")
    }

    @Test func chunkSizeWithoutSemicolonBeforeExtensionIsRefused() {
        // llhttp: "No semicolon before chunk extensions".
        self.expectMalformed(
            "POST / HTTP/1.1\r\nTransfer-encoding: chunked\r\n\r\n2 erfrferferf\r\naa\r\n0 rrrr\r\n\r\n"
        )
    }

    @Test func emptyChunkExtensionIsRefused() {
        // llhttp: "No extension after semicolon".
        self.expectMalformed("POST / HTTP/1.1\r\nTransfer-encoding: chunked\r\n\r\n2;\r\naa\r\n0\r\n\r\n")
    }

    @Test func chunkExtensionWithBareLFIsRefused() {
        self.expectMalformed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\nhello\r\n0\r\n\r\n")
        self.expectMalformed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\"b\nc\"\r\nhello\r\n0\r\n\r\n")
    }

    @Test func quotedChunkExtensionsAreAccepted() {
        // llhttp: "Chunk extensions quoting".
        let input =
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;ilovew3=\"I \\\"love\\\"; \\\\extensions\\\\\";somuchlove=\"aretheseparametersfor\";blah;foo=bar"
            + "\r\nhello\r\n"
            + "6;blahblah;blah\r\n world\r\n0\r\n\r\n"
        let outcome = self.decode(input)
        #expect(outcome.error == nil)
        #expect(outcome.requests.first?.bodyText == "hello world")
        #expect(outcome.requests.first?.ended == true)
    }

    @Test func unbalancedQuotesInChunkExtensionAreRefused() {
        // llhttp: "Unbalanced chunk extensions quoting".
        self.expectMalformed(
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;ilovew3=\"abc\";somuchlove=\"def; ghi\r\nhello\r\n"
                + "6;blahblah;blah\r\n world\r\n0\r\n\r\n"
        )
    }

    @Test func hugeChunkExtensionIsRefused() {
        let limits = HTTP1Limits(maxChunkLineBytes: 64)
        let fits =
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;" + String(repeating: "a", count: 62)
            + "\r\nx\r\n0\r\n\r\n"
        #expect(self.decode(fits, limits: limits).error == nil)
        let over = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;" + String(repeating: "a", count: 63)
        #expect(self.decode(over, limits: limits).error?.kind == .malformed)
        // The default limit, with an extension that never ends.
        let endless = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;a=" + String(repeating: "b", count: 5000)
        #expect(self.decode(endless).error?.kind == .malformed)
    }

    @Test func chunkDataWithoutCRLFIsRefused() {
        // llhttp: "Chunk data not terminated by CRLF".
        self.expectMalformed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nfooXX\r\n0\r\n\r\n")
        self.expectMalformed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nfoo\n0\r\n\r\n")
    }

    @Test func missingLastChunkIsRefused() {
        // llhttp: "Missing last-chunk": the empty line is not a chunk-size line.
        self.expectRefused(
            "PUT /url HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nfoo\r\n\r\n",
            .malformed,
            requestLine: .init(method: "PUT", target: "/url")
        )
    }

    @Test func framingFieldsInTrailersAreRefused() {
        self.expectMalformed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 5\r\n\r\nhello")
        self.expectMalformed(
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
    }

    @Test func trailerAskingToCloseEndsTheConnection() {
        let outcome = self.decode(
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nConnection: close\r\n\r\n"
                + "GET /admin HTTP/1.1\r\n\r\n"
        )
        #expect(outcome.error == nil)
        #expect(outcome.requests.count == 1)
        #expect(outcome.requests.first?.trailers == [FieldPair("Connection", "close")])
        #expect(outcome.finished)
    }

    // MARK: Line endings and field syntax

    @Test func bareLFLineEndingsAreRefused() {
        // llhttp: "Only LFs present".
        self.expectRefused("POST / HTTP/1.1\nHost: a\n\n", .malformed, requestLine: nil)
        self.expectMalformed("POST / HTTP/1.1\r\nHost: a\nContent-Length: 5\r\n\r\nhello")
        // llhttp: "Headers separated by LF".
        self.expectRefused(
            "POST / HTTP/1.1\r\nHost: localhost:5000\r\nx:x\nTransfer-Encoding: chunked\r\n\r\n1\r\nA\r\n0\r\n\r\n",
            .malformed
        )
        // llhttp: "Empty headers separated by LF".
        self.expectMalformed(
            "POST / HTTP/1.1\r\nHost: localhost:5000\r\nx:\nTransfer-Encoding: chunked\r\n\r\n1\r\nA\r\n0\r\n\r\n"
        )
    }

    @Test func bareCRIsRefused() {
        // llhttp: "Headers separated by CR".
        self.expectRefused(
            "GET / HTTP/1.1\r\nFoo: 1\rBar: 2\r\n\r\n",
            .malformed,
            requestLine: .init(method: "GET", target: "/")
        )
        // llhttp: "Empty headers separated by CR".
        self.expectMalformed(
            "POST / HTTP/1.1\r\nConnection: Close\r\nHost: localhost:5000\r\nx:\rTransfer-Encoding: chunked\r\n\r\n"
                + "1\r\nA\r\n0\r\n\r\n"
        )
        // llhttp: "Headers separated by dummy characters".
        self.expectRefused(
            "GET / HTTP/1.1\r\nConnection: close\r\nHost: a\r\n\rZGET /evil: HTTP/1.1\r\nHost: a\r\n\r\n",
            .malformed,
            requestLine: .init(method: "GET", target: "/")
        )
        self.expectRefused("GET / HTTP/1.1\rHost: a\r\n\r\n", .malformed, requestLine: nil)
    }

    @Test func controlCharactersInValuesAreRefused() {
        self.expectMalformed("POST / HTTP/1.1\r\nX-A: a\u{0}b\r\n\r\n")
        self.expectMalformed("POST / HTTP/1.1\r\nX-A: a\u{7F}b\r\n\r\n")
        self.expectMalformed("POST / HTTP/1.1\r\nX-A: a\u{1B}b\r\n\r\n")
    }

    @Test func obsTextInValuesIsAccepted() {
        // llhttp: "255 ASCII in header value".
        let outcome = self.decode("GET / HTTP/1.1\r\nX-A: caf\u{E9} \t\r\n\r\n")
        #expect(outcome.error == nil)
        #expect(outcome.requests.first?.fields == [FieldPair("X-A", "caf\u{E9}")])
    }

    @Test func obsFoldIsRefused() {
        // llhttp: "Line folding in header value with CRLF" (lenient only).
        self.expectMalformed("POST / HTTP/1.1\r\nX-A: a\r\n b\r\n\r\n")
        self.expectMalformed("POST / HTTP/1.1\r\nX-A: a\r\n\tb\r\n\r\n")
    }

    @Test func whitespaceBeforeTheFirstFieldIsRefused() {
        // llhttp: "Spaces before headers" and "Invalid space after start line".
        self.expectRefused(
            "POST /hello HTTP/1.1\r\nHost: localhost\r\nFoo: bar\r\n Content-Length: 38\r\n\r\n"
                + "GET /bye HTTP/1.1\r\nHost: localhost\r\n\r\n",
            .malformed,
            requestLine: .init(method: "POST", target: "/hello")
        )
        self.expectMalformed("POST / HTTP/1.1\r\n Host: foo\r\n\r\n")
    }

    @Test func spaceBeforeColonIsRefused() {
        self.expectMalformed("POST / HTTP/1.1\r\nContent-Length : 5\r\n\r\nhello")
        self.expectMalformed("POST / HTTP/1.1\r\nHost\t: a\r\n\r\n")
    }

    @Test func emptyAndInvalidFieldNamesAreRefused() {
        self.expectMalformed("POST / HTTP/1.1\r\n: a\r\n\r\n")
        self.expectMalformed("POST / HTTP/1.1\r\nX(A): a\r\n\r\n")
        self.expectMalformed("POST / HTTP/1.1\r\nX\u{E9}: a\r\n\r\n")
    }

    @Test func duplicateHostIsRefused() {
        self.expectMalformed("POST / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n")
    }

    // MARK: Request lines

    @Test func twoSpacesInTheRequestLineAreRefused() {
        self.expectRefused("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", .malformed, requestLine: nil)
        self.expectRefused("GET /  HTTP/1.1\r\nHost: a\r\n\r\n", .malformed, requestLine: nil)
        // llhttp: "Space in URI".
        self.expectRefused("GET /foo bar/ HTTP/1.1\r\n\r\n", .malformed, requestLine: nil)
    }

    @Test func otherVersionsAreRefused() {
        for line in ["GET / HTTP/1.2", "GET / HTTP/2.0", "GET / http/1.1", "GET / HTTP/1.1 ", "GET / HTTP/1", "GET /"] {
            self.expectRefused(line + "\r\nHost: a\r\n\r\n", .malformed, requestLine: nil)
        }
    }

    @Test func aFieldLineSentAsRequestLineIsNeverAudited() {
        self.expectRefused("X-API-Key: gk_abc\r\n\r\n", .malformed, requestLine: nil)
        self.expectRefused("Authorization: Bearer eyJhbGciOi.x.y\r\n\r\n", .malformed, requestLine: nil)
    }

    @Test func methodMustBeAToken() {
        self.expectRefused("G\u{0}T / HTTP/1.1\r\n\r\n", .malformed, requestLine: nil)
        self.expectRefused("GE(T / HTTP/1.1\r\n\r\n", .malformed, requestLine: nil)
        self.expectRefused(" GET / HTTP/1.1\r\n\r\n", .malformed, requestLine: nil)
    }

    @Test func http2PrefaceIsRefused() {
        // llhttp waits for the rest of the preface; the codec refuses the method at once.
        self.expectRefused("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", .malformed, requestLine: nil)
        self.expectRefused("PRI / HTTP/1.1\r\n\r\n", .malformed, requestLine: nil)
    }

    @Test func targetsOutsideTheirFormsAreRefused() {
        // llhttp: "Disallow UTF-8 in URI path in strict mode".
        self.expectRefused("GET /\u{E9} HTTP/1.1\r\n\r\n", .malformed, requestLine: nil)
        self.expectRefused("GET * HTTP/1.1\r\n\r\n", .malformed, requestLine: nil)
        self.expectRefused("GET example.com:443 HTTP/1.1\r\n\r\n", .malformed, requestLine: nil)
        self.expectRefused("CONNECT / HTTP/1.1\r\n\r\n", .malformed, requestLine: nil)
        self.expectRefused("GET http:///x HTTP/1.1\r\n\r\n", .malformed, requestLine: nil)
        let accepted = self.decode(
            "OPTIONS * HTTP/1.1\r\n\r\nGET http://a.example:8080/x?y HTTP/1.1\r\n\r\n"
                + "CONNECT a.example:443 HTTP/1.1\r\n\r\n"
        )
        #expect(accepted.error == nil)
        #expect(accepted.requests.map(\.target) == ["*", "http://a.example:8080/x?y", "a.example:443"])
    }

    @Test func http10WithTransferEncodingIsRefused() {
        self.expectRefused(
            "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            .malformed
        )
    }

    // MARK: Pipelining and desync

    @Test func aBodyContainingARequestStaysABody() {
        let smuggled = "GET /admin HTTP/1.1\r\nHost: a\r\n\r\n"
        let input =
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \(smuggled.utf8.count)\r\n\r\n" + smuggled
            + "GET /next HTTP/1.1\r\nHost: a\r\n\r\n"
        let outcome = self.decode(input)
        #expect(outcome.error == nil)
        #expect(outcome.requests.map(\.target) == ["/", "/next"])
        #expect(outcome.requests.first?.bodyText == smuggled)
    }

    @Test func aChunkedBodyContainingARequestStaysABody() {
        let smuggled = "GET /admin HTTP/1.1\r\nHost: a\r\n\r\n"
        let size = String(smuggled.utf8.count, radix: 16)
        let input =
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n\(size)\r\n\(smuggled)\r\n0\r\n\r\n"
            + "GET /next HTTP/1.1\r\n\r\n"
        let outcome = self.decode(input)
        #expect(outcome.error == nil)
        #expect(outcome.requests.map(\.target) == ["/", "/next"])
        #expect(outcome.requests.first?.bodyText == smuggled)
    }

    @Test func aGETWithContentLengthHasABody() {
        // RFC 9110 §9.3.1: a GET body is framed like any other; the bytes are not the next request.
        let outcome = self.decode("GET / HTTP/1.1\r\nContent-Length: 19\r\n\r\nGET /x HTTP/1.1\r\n\r\n")
        #expect(outcome.error == nil)
        #expect(outcome.requests.first?.bodyText == "GET /x HTTP/1.1\r\n\r\n")
        #expect(outcome.requests.count == 1)
        // Cut short, the rest of the "request" is parsed as one, and refused.
        let short = self.decode("GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\nGET /x HTTP/1.1\r\n\r\n")
        #expect(short.requests.first?.bodyText == "GET /")
        #expect(short.error?.kind == .malformed)
        #expect(short.error?.requestLine == nil)
    }

    @Test func nothingIsParsedAfterConnectionClose() {
        // llhttp: "CRLF between requests, explicit close" (llhttp refuses the data after it).
        let outcome = self.decode(
            "POST / HTTP/1.1\r\nConnection: close\r\nContent-Length: 1\r\n\r\nxGET /admin HTTP/1.1\r\n\r\n"
        )
        #expect(outcome.error == nil)
        #expect(outcome.requests.map(\.target) == ["/"])
        #expect(outcome.finished)
    }

    @Test func nothingIsParsedAfterAnHTTP10Request() {
        // llhttp: "No restart when keep-alive is off (1.0)".
        let outcome = self.decode("PUT /url HTTP/1.0\r\n\r\nPUT /url HTTP/1.1\r\n\r\n")
        #expect(outcome.requests.map(\.target) == ["/url"])
        #expect(outcome.finished)
    }

    @Test func nothingIsParsedAfterAnUpgrade() {
        // h2c smuggling: after an Upgrade request the bytes belong to another protocol.
        let outcome = self.decode(
            "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\n\r\n"
                + "GET /admin HTTP/1.1\r\n\r\n"
        )
        #expect(outcome.error == nil)
        #expect(outcome.requests.map(\.target) == ["/"])
        #expect(outcome.requests.first?.hasUpgrade == true)
        #expect(outcome.finished)
    }

    @Test func aConnectWithABodyIsRefused() {
        self.expectRefused(
            "CONNECT a:443 HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
            .malformed,
            requestLine: .init(method: "CONNECT", target: "a:443")
        )
    }

    @Test func emptyLinesBetweenRequestsAreSkipped() {
        // llhttp: "CRLF between requests, implicit keep-alive"; RFC 9112 §2.2.
        let outcome = self.decode("\r\n\r\nPOST / HTTP/1.1\r\nContent-Length: 1\r\n\r\nx\r\nGET /b HTTP/1.1\r\n\r\n")
        #expect(outcome.error == nil)
        #expect(outcome.requests.map(\.target) == ["/", "/b"])
        #expect(self.decode("\nGET / HTTP/1.1\r\n\r\n").error?.kind == .malformed)
    }
}
