import GatewayTestSupport

/// Generates sequences of one to three upstream responses from a grammar, with the request
/// each answers (`HEAD` or not): informational responses first sometimes, bodiless statuses,
/// every framing (length, chunked with extensions and trailers, until the close), and the
/// framing tricks of `RequestGenerator`.
struct ResponseGenerator {
    static let statuses = [
        200, 200, 200, 200, 201, 202, 204, 206, 301, 302, 304, 400, 401, 403, 404, 418, 500, 502, 503, 599,
    ]
    static let reasons = ["OK", "OK", "", "Not Found", "Some  Reason", "caf\u{E9}", "x\ty", "-"]
    static let fieldNames = [
        "Content-Type", "Server", "Date", "Set-Cookie", "ETag", "Cache-Control", "Vary", "X-Request-Id", "Location",
        "Last-Modified", "x-lower", "Trailer", "Keep-Alive", "Age",
    ]
    static let fieldValues = [
        "text/html; charset=utf-8", "nginx", "Tue, 01 Jan 2030 00:00:00 GMT", "a=b; Path=/; HttpOnly", "W/\"x\"", "",
        "max-age=0", "Accept-Encoding", "  padded  ", "a\tb", "timeout=5",
    ]

    var random: SplitMix64

    mutating func responses() -> (bytes: [UInt8], toHEAD: [Bool]) {
        var bytes: [UInt8] = []
        var toHEAD: [Bool] = []
        let count = 1 + self.random.int(3)
        for index in 0..<count {
            let head = self.random.chance(1, in: 6)
            toHEAD.append(head)
            if self.random.chance(1, in: 10) {
                let informational = self.random.pick([100, 100, 102, 103])
                bytes.append("HTTP/1.1 \(informational) \(informational == 103 ? "Early Hints" : "Continue")\r\n")
                if informational == 103 { bytes.append("Link: </style.css>; rel=preload\r\n") }
                bytes.append("\r\n")
            }
            self.response(into: &bytes, toHEAD: head, last: index == count - 1)
        }
        if self.random.chance(1, in: 50) {
            // A 101 ends HTTP on the connection; what follows is another protocol.
            toHEAD.append(false)
            bytes.append(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\u{81}\u{1}x"
            )
        }
        return (bytes, toHEAD)
    }

    private mutating func response(into bytes: inout [UInt8], toHEAD: Bool, last: Bool) {
        let status = self.random.pick(Self.statuses)
        let version = self.random.chance(1, in: 8) ? "HTTP/1.0" : "HTTP/1.1"
        bytes.append("\(version) \(status)")
        if self.random.chance(15, in: 16) { bytes.append(" " + self.random.pick(Self.reasons)) }
        bytes.append("\r\n")
        var fields: [(String, String)] = []
        for _ in 0..<self.random.int(5) {
            fields.append((self.random.pick(Self.fieldNames), self.random.pick(Self.fieldValues)))
        }
        if self.random.chance(1, in: 8) {
            fields.append(("Connection", self.random.pick(["close", "keep-alive", "Keep-Alive, foo", "upgrade"])))
        }
        let bodiless = toHEAD || status == 204 || status == 304
        let payload = self.payload()
        var body: [UInt8] = []
        switch self.random.int(40) {
        case 0...19:
            fields.append(("Content-Length", String(payload.count)))
            body = payload
        case 20...31:
            if version == "HTTP/1.0" {
                fields.append(("Content-Length", String(payload.count)))
                body = payload
            } else {
                fields.append(("Transfer-Encoding", self.random.chance(1, in: 8) ? "Chunked" : "chunked"))
                body = self.chunked(payload)
            }
        case 32, 33:
            // Until the close: only sensible last, but generated anywhere.
            if last || self.random.chance(1, in: 4) { body = payload }
        case 34:
            fields.append(
                ("Content-Length", self.random.pick(["005", "+5", "5, 5", "", "0x5", "99999999999999999999999"]))
            )
            body = payload
        case 35, 36:
            fields.append(
                (
                    "Transfer-Encoding",
                    self.random.pick(["gzip, chunked", "chunked, gzip", "identity", "chunked ", "gzip"])
                )
            )
            body = self.chunked(payload)
        case 37:
            fields.append(("Transfer-Encoding", "chunked"))
            body = self.chunked(payload)
        case 38:
            fields.append(("Content-Length", String(payload.count)))
            fields.append(("Transfer-Encoding", "chunked"))
            body = self.chunked(payload)
        default:
            fields.append(("Content-Length", String(payload.count)))
            fields.append(("Content-Length", String(payload.count + self.random.int(2))))
            body = payload
        }
        for (name, value) in fields {
            bytes.append("\(name): \(value)")
            if self.random.chance(1, in: 16) { bytes.append(" ") }
            bytes.append("\r\n")
        }
        bytes.append("\r\n")
        if !bodiless || self.random.chance(1, in: 20) { bytes += body }
    }

    private mutating func payload() -> [UInt8] {
        switch self.random.int(5) {
        case 0: return []
        case 1: return "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".bytes
        case 2: return (0..<(1 + self.random.int(200))).map { _ in UInt8(truncatingIfNeeded: self.random.next()) }
        default: return (0..<(1 + self.random.int(60))).map { _ in UInt8(0x21 + self.random.int(94)) }
        }
    }

    private mutating func chunked(_ payload: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        var rest = payload[...]
        while !rest.isEmpty {
            let size = self.random.chance(1, in: 2) ? rest.count : 1 + self.random.int(rest.count)
            bytes.append(String(size, radix: 16))
            if self.random.chance(1, in: 8) { bytes.append(self.random.pick(RequestGenerator.extensionForms)) }
            bytes.append("\r\n")
            bytes += rest.prefix(size)
            bytes.append("\r\n")
            rest = rest.dropFirst(size)
        }
        bytes.append("0\r\n")
        if self.random.chance(1, in: 6) { bytes.append("Server-Timing: db;dur=5\r\n") }
        bytes.append("\r\n")
        return bytes
    }
}
