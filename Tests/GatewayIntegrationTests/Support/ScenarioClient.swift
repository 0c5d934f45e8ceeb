import NIOCore
import Testing

/// The client protocols a parity scenario runs over, both over TLS (ALPN).
enum WireProtocol: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case http1 = "HTTP/1.1"
    case http2 = "HTTP/2"

    var testDescription: String { self.rawValue }
}

/// A response as a scenario reads it, whichever protocol carried it; header names lowercase.
struct ScenarioResponse {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: ByteBuffer
    var trailers: [(name: String, value: String)] = []

    func header(_ name: String) -> String? { self.headers.first { $0.name == name }?.value }
    var bodyText: String { String(buffer: self.body) }
}

/// One client connection of either protocol, sending whole requests one at a time, so a
/// scenario written once runs over HTTP/1.1 and over HTTP/2 (issue 16: the same policy,
/// forwarding, audit and limits for both, proven by the same tests).
final class ScenarioClient {
    let wire: WireProtocol
    private let http1: RawConnection?
    private let http2: HTTP2TestClient?

    private init(wire: WireProtocol, http1: RawConnection?, http2: HTTP2TestClient?) {
        self.wire = wire
        self.http1 = http1
        self.http2 = http2
    }

    static func connect(_ wire: WireProtocol, port: Int, caPEM: String) async throws -> ScenarioClient {
        switch wire {
        case .http1:
            let tls = try TLSClients.context(trusting: caPEM, alpn: ["http/1.1"])
            return ScenarioClient(wire: wire, http1: try await RawConnection.connect(port: port, tls: tls), http2: nil)
        case .http2:
            return ScenarioClient(wire: wire, http1: nil, http2: try await HTTP2TestClient.connect(port: port, caPEM: caPEM))
        }
    }

    /// Sends a request and reads its response. `host` is `Host` (HTTP/1.1) or `:authority`
    /// (HTTP/2); a `body` goes with its `content-length`.
    func send(
        _ method: String,
        _ path: String,
        _ fields: [(String, String)] = [],
        body: String? = nil,
        host: String = "localhost"
    ) async throws -> ScenarioResponse {
        if let http1 = self.http1 {
            var text = "\(method) \(path) HTTP/1.1\r\nHost: \(host)\r\n"
            for (name, value) in fields { text += "\(name): \(value)\r\n" }
            if let body { text += "Content-Length: \(body.utf8.count)\r\n" }
            text += "\r\n" + (body ?? "")
            try await http1.send(text)
            guard let response = try await http1.readResponse(forHEAD: method == "HEAD") else {
                throw TestError("the connection closed before a response")
            }
            return ScenarioResponse(
                status: response.status,
                headers: response.headers.map { (name: $0.name.lowercased(), value: $0.value) },
                body: response.body
            )
        }
        let http2 = self.http2!
        var fields = fields.map { ($0.0.lowercased(), $0.1) }
        if let body { fields.append(("content-length", String(body.utf8.count))) }
        let response = try await http2.exchange(method, path, fields, body: body.map { ByteBuffer(string: $0) }, authority: host)
        if let reset = response.reset { throw TestError("stream reset: \(reset)") }
        return ScenarioResponse(
            status: response.status,
            headers: response.headers.filter { !$0.name.hasPrefix(":") }.map { (name: $0.name, value: $0.value) },
            body: response.body,
            trailers: response.trailers.map { $0.map { (name: $0.name, value: $0.value) } } ?? []
        )
    }

    func close() async {
        await self.http1?.close()
        await self.http2?.close()
    }
}
