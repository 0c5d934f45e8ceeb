import GatewayAudit
import GatewayMetrics
import GatewayRules
import Logging
import NIOCore
import NIOEmbedded
import Synchronization
import Testing

@testable import GatewayProxy

/// The HTTP/1.1 connection handler in an `EmbeddedChannel`: bytes in, bytes out, audit records
/// — the answers the gateway gives without an upstream.
struct HTTP1ConnectionHandlerTests {
    /// A handler on an embedded channel with rules that route `/public` (to an upstream that is
    /// never reached here) and protect `/private`.
    private final class Fixture {
        let channel: EmbeddedChannel
        let handler: HTTP1ConnectionHandler
        let audit = RecordingAuditSink()

        init(configure: (inout Rules) -> Void = { _ in }) throws {
            var rules = Rules(
                sourcePath: "test.conf",
                upstreams: [UpstreamRule(name: "up", targets: [UpstreamTarget(host: "127.0.0.1", port: 9)])],
                routes: [
                    RouteRule(name: "public", path: .prefix("/public"), upstream: "up", isPublic: true),
                    RouteRule(name: "private", path: .prefix("/private"), methods: ["GET", "POST"], upstream: "up"),
                ]
            )
            rules.server.maxURIBytes = 64
            rules.server.maxHeaderBytes = 512
            configure(&rules)
            let loop = EmbeddedEventLoop()
            let configuration = try ProxyConfiguration(rules: rules, auditSink: self.audit)
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            let context = LoopContext(eventLoop: loop, configuration: configuration, metrics: GatewayMetrics(), logger: logger)
            self.handler = HTTP1ConnectionHandler(loop: context, isSecure: false)
            self.channel = EmbeddedChannel(handler: self.handler, loop: loop)
            try self.channel.connect(to: SocketAddress(ipAddress: "192.0.2.7", port: 4000)).wait()
        }

        func send(_ text: String) throws {
            try self.channel.writeInbound(ByteBuffer(string: text))
        }

        /// Everything the handler wrote, as one string.
        func written() throws -> String {
            var text = ""
            while let buffer = try self.channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
            return text
        }
    }

    /// The status lines in `text`, in order (a response body is not followed by a line break,
    /// so the next status line can start mid-line).
    private static func statusLines(_ text: String) -> [String] {
        text.components(separatedBy: "HTTP/1.1 ").dropFirst().map { "HTTP/1.1 " + ($0.components(separatedBy: "\r\n").first ?? "") }
    }

    @Test func anUnroutedRequestIs404WithAJSONBodyAndTheConnectionStays() throws {
        let fixture = try Fixture()
        try fixture.send("GET /nowhere HTTP/1.1\r\nHost: a.example\r\n\r\n")
        let text = try fixture.written()
        #expect(text.hasPrefix("HTTP/1.1 404 Not Found\r\n"))
        #expect(text.contains(#"{"error":"no_route","#))
        #expect(!text.lowercased().contains("connection: close"))
        #expect(fixture.channel.isActive)
        let record = try #require(fixture.audit.records.first)
        #expect(record.reason == "no_route")
        #expect(record.decision == "deny")
        #expect(record.status == 404)
        #expect(record.host == "a.example")
        #expect(record.client == "192.0.2.7")
    }

    /// Idle keep-alive connections are most of a busy gateway's connections: between requests
    /// one keeps nothing of the last (neither its head and field list nor its I/O record), and
    /// its machine holds the exchange out of line.
    @Test func aConnectionBetweenRequestsKeepsNothingOfTheLastOne() throws {
        let fixture = try Fixture()
        try fixture.send("GET /nowhere HTTP/1.1\r\nHost: a.example\r\nX-Filler: \(String(repeating: "f", count: 100))\r\n\r\n")
        #expect(try fixture.written().hasPrefix("HTTP/1.1 404 "))
        #expect(fixture.channel.isActive)
        #expect(fixture.handler.io == nil)
        #expect(!fixture.handler.machine.hasExchange)
        #expect(MemoryLayout<HTTP1ConnectionStateMachine>.size < 512)
    }

    @Test func aMissingCredentialIs401WithItsChallenge() throws {
        let fixture = try Fixture()
        try fixture.send("GET /private/x HTTP/1.1\r\nHost: a\r\n\r\n")
        let text = try fixture.written()
        #expect(text.hasPrefix("HTTP/1.1 401 Unauthorized\r\n"))
        #expect(text.contains("WWW-Authenticate: Bearer realm=\"gateway\"\r\n"))
    }

    @Test func pipelinedRefusalsAreAnsweredInOrder() throws {
        let fixture = try Fixture()
        try fixture.send(
            "GET /a HTTP/1.1\r\nHost: a\r\n\r\nDELETE /private/x HTTP/1.1\r\nHost: a\r\n\r\nGET /private/y HTTP/1.1\r\nHost: a\r\n\r\n"
        )
        #expect(Self.statusLines(try fixture.written()) == [
            "HTTP/1.1 404 Not Found", "HTTP/1.1 405 Method Not Allowed", "HTTP/1.1 401 Unauthorized",
        ])
        #expect(fixture.audit.records.map(\.path) == ["/a", "/private/x", "/private/y"])
    }

    @Test func aHeaderLineSentAsARequestLineIs400AndLeavesNoRecord() throws {
        let fixture = try Fixture()
        try fixture.send("X-API-Key: gk_secret_value\r\n\r\n")
        let text = try fixture.written()
        #expect(text.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(text.contains("connection: close\r\n"))
        #expect(!text.contains("gk_secret_value"))
        #expect(fixture.audit.records.isEmpty)
    }

    @Test func anUnsupportedTransferCodingIsOne501AndOneRecord() throws {
        let fixture = try Fixture()
        try fixture.send("POST /public/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n")
        #expect(Self.statusLines(try fixture.written()) == ["HTTP/1.1 501 Not Implemented"])
        #expect(fixture.audit.records.count == 1)
        #expect(fixture.audit.records.first?.reason == "not_implemented")
        #expect(fixture.audit.records.first?.method == "POST")
    }

    @Test func aLongTargetIs414WithoutARecord() throws {
        let fixture = try Fixture()
        try fixture.send("GET /" + String(repeating: "a", count: 100) + " HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(Self.statusLines(try fixture.written()) == ["HTTP/1.1 414 URI Too Long"])
        #expect(fixture.audit.records.isEmpty)
    }

    @Test func aLargeHeadIs431WithARecord() throws {
        let fixture = try Fixture()
        try fixture.send("GET /public HTTP/1.1\r\nHost: a\r\nX-Big: " + String(repeating: "b", count: 600) + "\r\n\r\n")
        #expect(Self.statusLines(try fixture.written()) == ["HTTP/1.1 431 Request Header Fields Too Large"])
        #expect(fixture.audit.records.first?.reason == "headers_too_large")
    }

    @Test func leadingZerosAndDoubleSpacesAreRefused() throws {
        let zeros = try Fixture()
        try zeros.send("POST /public HTTP/1.1\r\nHost: a\r\nContent-Length: 005\r\n\r\nabcde")
        #expect(Self.statusLines(try zeros.written()) == ["HTTP/1.1 400 Bad Request"])
        let spaces = try Fixture()
        try spaces.send("GET  /public HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(Self.statusLines(try spaces.written()) == ["HTTP/1.1 400 Bad Request"])
    }

    @Test func aRefusedHEADHasNoBody() throws {
        let fixture = try Fixture()
        try fixture.send("HEAD /nowhere HTTP/1.1\r\nHost: a\r\n\r\n")
        let text = try fixture.written()
        #expect(text.hasPrefix("HTTP/1.1 404 Not Found\r\n"))
        #expect(text.hasSuffix("\r\n\r\n"))
    }

    @Test func aSmallRefusedBodyIsDroppedAndTheNextRequestAnswered() throws {
        let fixture = try Fixture()
        try fixture.send("POST /private/x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(Self.statusLines(try fixture.written()) == ["HTTP/1.1 401 Unauthorized", "HTTP/1.1 404 Not Found"])
        // The refusal's record was written when its response ended, before the body was read.
        #expect(fixture.audit.records.map(\.path) == ["/private/x", "/b"])
    }

    @Test func anHTTP11RequestWithoutHostIs400() throws {
        let fixture = try Fixture()
        try fixture.send("GET /public HTTP/1.1\r\n\r\n")
        #expect(Self.statusLines(try fixture.written()) == ["HTTP/1.1 400 Bad Request"])
    }
}

/// Keeps audit records for assertions.
final class RecordingAuditSink: AuditSink {
    private let storage = Mutex<[AuditRecord]>([])

    func submit(_ record: consuming AuditRecord) -> AuditAdmission {
        let kept = record
        self.storage.withLock { $0.append(kept) }
        return .accepted
    }

    func notifyWhenDrained(on eventLoop: any EventLoop, _ callback: @escaping @Sendable () -> Void) {
        eventLoop.execute(callback)
    }

    var records: [AuditRecord] { self.storage.withLock { $0 } }
}
