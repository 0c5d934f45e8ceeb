import GatewayTestSupport

/// Generates HTTP/1.1 request sequences from a grammar: mostly valid pipelines of one to three
/// requests, with the tricky parts of the grammar (field values with OWS and obs-text, unusual
/// tchars, every target form, chunk extensions, trailers) and, sometimes, the framing
/// combinations request smuggling uses. `Mutator` then damages some of them at the byte level.
struct RequestGenerator {
    static let methods = [
        "GET", "GET", "GET", "GET", "POST", "POST", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE",
        "PURGE", "PROPFIND", "REPORT", "SEARCH", "MKCOL", "LINK", "QUERY",
    ]
    static let unusualMethods = ["FOO", "get", "M-SEARCH", "X_Y", "BREW", "PRI", "SOURCE", "GETS"]
    static let paths = [
        "/", "/a", "/api/v1/orders", "/api/v1/orders/123", "/a/b/c/", "/static/app.js", "/%2e%2E/x", "/a%20b",
        "/search", "/\"quoted\"", "/{}|\\^`", "/~user/.hidden", "/a;b=c", "/a:b@c", "/!$&'()*+,;=",
    ]
    static let queries = ["", "", "", "?q=1", "?a=b&c=d", "?x=%00", "?q=a?b", "?=", "?a=1#frag", "#frag", "?"]
    static let absoluteTargets = [
        "http://example.com/", "http://example.com", "https://a.example:8443/p?q=1", "http://user:pw@host:80/x",
        "http://[::1]:8080/", "HTTP://EXAMPLE.COM/", "http://h?q",
    ]
    static let fieldNames = [
        "User-Agent", "Accept", "Accept-Encoding", "Content-Type", "Authorization", "X-API-Key", "Cookie",
        "X-Forwarded-For", "X-Request-Id", "Via", "Cache-Control", "If-None-Match", "Referer", "Signature-Input",
        "Signature", "Content-Digest", "x-lower", "X-!#$%&'*+.^_`|~", "A", "TE", "Trailer", "Date",
    ]
    static let fieldValues = [
        "example.com", "*/*", "", "curl/8.5.0", "gzip, deflate, br", "Bearer eyJhbGciOiJFUzI1NiJ9.e30.sig",
        "gk_live_0123456789abcdef", "a=b; c=d", "1.2.3.4, 5.6.7.8", "no-cache", "\"etag\"", "text/plain; charset=utf-8",
        "sig1=(\"@method\" \"@path\");created=1;keyid=\"k\"", "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
        "trailing-space   ", "\ttabbed\t", "in  side", "a\tb", "x,y,,z", "(comment)", "{json: [1,2]}", "\\back\\slash",
    ]
    static let obsTextValues: [[UInt8]] = [
        [0x63, 0x61, 0x66, 0xC3, 0xA9], [0xFF], [0x80, 0x20, 0x81], [0x41, 0xE2, 0x82, 0xAC],
    ]
    static let connectionValues = [
        "close", "keep-alive", "Keep-Alive", "CLOSE", "upgrade", "close, upgrade", "te", "keep-alive, close", "foo",
    ]
    static let transferEncodings = [
        "chunked", "chunked", "chunked", "Chunked", "CHUNKED", "gzip, chunked", "chunked, gzip", "identity", "xchunked",
        "chunked ", "chunked\t", "chunked, chunked", "chunked;x", "", "gzip",
    ]
    static let contentLengthTricks = [
        "005", "+5", "-1", "5, 5", "0x5", "5 5", "", " ", "1e3", "99999999999999999999999",
    ]
    static let extensionForms = [
        ";a", ";a=b", ";a=\"b c\"", ";a=\"q\\\"x\"", ";ab;cd=ef", ";x=\"\"", "; a", ";a =b", ";a=", ";",
    ]

    var random: SplitMix64

    mutating func requests() -> [UInt8] {
        var bytes: [UInt8] = []
        let count = 1 + self.random.int(3)
        for index in 0..<count {
            if index > 0, self.random.chance(1, in: 12) { bytes.append("\r\n") }
            if index == 0, self.random.chance(1, in: 30) { bytes.append("\r\n") }
            self.request(into: &bytes, last: index == count - 1)
        }
        return bytes
    }

    private mutating func request(into bytes: inout [UInt8], last: Bool) {
        // Request line.
        var method =
            self.random.chance(1, in: 60) ? self.random.pick(Self.unusualMethods) : self.random.pick(Self.methods)
        var target: String
        switch self.random.int(40) {
        case 0: target = "*"
        case 1, 2: target = self.random.pick(Self.absoluteTargets)
        case 3:
            method = "CONNECT"
            target = self.random.pick(["example.com:443", "10.0.0.1:8080", "[::1]:443", "host", "example.com:443/x"])
        case 4: target = "/" + self.visibleString(length: 1 + self.random.int(40))
        default: target = self.random.pick(Self.paths) + self.random.pick(Self.queries)
        }
        if target == "*", self.random.chance(3, in: 4) { method = "OPTIONS" }
        let version = self.random.chance(1, in: 8) ? "HTTP/1.0" : "HTTP/1.1"
        bytes.append("\(method) \(target) \(version)\r\n")

        // Fields.
        var fields: [(String, [UInt8])] = []
        if version == "HTTP/1.1" || self.random.chance(1, in: 2) {
            fields.append(("Host", self.random.pick(["example.com", "a.example:8080", "localhost", ""]).bytes))
        }
        for _ in 0..<self.random.int(6) {
            let name = self.random.pick(Self.fieldNames)
            let value: [UInt8] =
                self.random.chance(1, in: 12)
                ? self.random.pick(Self.obsTextValues)
                : self.random.pick(Self.fieldValues).bytes
            fields.append((name, value))
        }
        if self.random.chance(1, in: 40) { fields.append(("Host", "second.example".bytes)) }
        if version == "HTTP/1.0", !last || self.random.chance(1, in: 2) {
            fields.append(("Connection", "keep-alive".bytes))
        } else if self.random.chance(1, in: last ? 8 : 30) {
            fields.append(
                (
                    self.random.pick(["Connection", "connection", "Proxy-Connection"]),
                    self.random.pick(Self.connectionValues).bytes
                )
            )
        }
        if self.random.chance(1, in: 40) { fields.append(("Upgrade", "websocket".bytes)) }
        if self.random.chance(1, in: 20) { fields.append(("Expect", "100-continue".bytes)) }

        // Framing and body.
        var body: [UInt8] = []
        let payload = self.payload()
        switch self.random.int(40) {
        case 0...15:
            break
        case 16...25:
            fields.append((self.random.pick(["Content-Length", "content-length"]), String(payload.count).bytes))
            body = payload
        case 26:
            // A declared length that does not match: the next request starts elsewhere.
            let declared = max(0, payload.count + self.random.int(7) - 3)
            fields.append(("Content-Length", String(declared).bytes))
            body = payload
        case 27:
            fields.append(("Content-Length", self.random.pick(Self.contentLengthTricks).bytes))
            body = payload
        case 28:
            fields.append(("Content-Length", String(payload.count).bytes))
            fields.append(
                ("Content-Length", String(self.random.chance(1, in: 2) ? payload.count : payload.count + 1).bytes)
            )
            body = payload
        case 29:
            // CL.TE / TE.CL.
            let cl = ("Content-Length", String(payload.count).bytes)
            let te = ("Transfer-Encoding", "chunked".bytes)
            fields += self.random.chance(1, in: 2) ? [cl, te] : [te, cl]
            body = self.chunked(payload)
        case 30, 31:
            fields.append(("Transfer-Encoding", self.random.pick(Self.transferEncodings).bytes))
            if self.random.chance(1, in: 4) { fields.append(("Transfer-Encoding", "chunked".bytes)) }
            body = self.chunked(payload)
        default:
            fields.append((self.random.pick(["Transfer-Encoding", "transfer-encoding"]), "chunked".bytes))
            body = self.chunked(payload)
        }
        if fields.count > 1, self.random.chance(1, in: 3) {
            let index = self.random.int(fields.count)
            let field = fields.remove(at: index)
            fields.insert(field, at: self.random.int(fields.count + 1))
        }
        for (name, value) in fields {
            bytes.append(name)
            bytes.append(self.random.pick([": ", ": ", ": ", ":", ":  ", ":\t", ": \t"]))
            bytes += value
            if self.random.chance(1, in: 16) { bytes.append(self.random.pick([" ", "\t", "  "])) }
            bytes.append("\r\n")
        }
        bytes.append("\r\n")
        bytes += body
    }

    private mutating func payload() -> [UInt8] {
        switch self.random.int(6) {
        case 0: return []
        case 1: return "GET /admin HTTP/1.1\r\nHost: a\r\n\r\n".bytes
        case 2: return (0..<(1 + self.random.int(300))).map { _ in UInt8(truncatingIfNeeded: self.random.next()) }
        default: return self.visibleString(length: 1 + self.random.int(60)).bytes
        }
    }

    /// `payload` in one to three chunks, with extensions sometimes, then the last chunk and
    /// trailers sometimes.
    private mutating func chunked(_ payload: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        var rest = payload[...]
        while !rest.isEmpty {
            let size = self.random.chance(1, in: 2) ? rest.count : 1 + self.random.int(rest.count)
            var sizeText = String(size, radix: 16)
            if self.random.chance(1, in: 10) { sizeText = sizeText.uppercased() }
            if self.random.chance(1, in: 20) { sizeText = "00" + sizeText }
            bytes.append(sizeText)
            if self.random.chance(1, in: 6) { bytes.append(self.random.pick(Self.extensionForms)) }
            bytes.append("\r\n")
            bytes += rest.prefix(size)
            bytes.append("\r\n")
            rest = rest.dropFirst(size)
        }
        bytes.append(self.random.chance(1, in: 10) ? "000" : "0")
        if self.random.chance(1, in: 10) { bytes.append(self.random.pick(Self.extensionForms)) }
        bytes.append("\r\n")
        if self.random.chance(1, in: 5) {
            for _ in 0..<(1 + self.random.int(2)) {
                let name =
                    self.random.chance(1, in: 10)
                    ? self.random.pick(["Content-Length", "Connection", "Transfer-Encoding"])
                    : self.random.pick(["X-Checksum", "Content-Digest", "Server-Timing", "x-t"])
                bytes.append(
                    "\(name): \(self.random.pick(["abc", "sha-256=:x:", "close", "5", " padded ", "chunked"]))\r\n"
                )
            }
        }
        bytes.append("\r\n")
        return bytes
    }

    private mutating func visibleString(length: Int) -> String {
        String(decoding: (0..<length).map { _ in UInt8(0x21 + self.random.int(94)) }, as: UTF8.self)
    }
}
