import Foundation
import GatewayHTTP1
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

/// A rough throughput comparison, not a guard: the time to decode a typical proxied request (a
/// browser-like head of 14 fields, then a small JSON body) with this codec and with NIO's
/// `HTTPRequestDecoder` (llhttp, one `String` per field), in the same process. Meaningful only in
/// a release build: `bench/http1-differential.sh --throughput` runs it so. Off unless
/// `HTTP1_THROUGHPUT` is set.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["HTTP1_THROUGHPUT"] != nil))
struct HTTP1ThroughputTests {
    static let request = Array(
        ("POST /api/v1/orders/12345/items?expand=product&limit=50 HTTP/1.1\r\n"
            + "Host: api.example.com\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0\r\n"
            + "Accept: application/json, text/plain, */*\r\n"
            + "Accept-Language: en-GB,en;q=0.9\r\n"
            + "Accept-Encoding: gzip, deflate, br\r\n"
            + "Authorization: Bearer eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl\r\n"
            + "Content-Type: application/json\r\n"
            + "Content-Length: 26\r\n"
            + "Origin: https://app.example.com\r\n"
            + "Referer: https://app.example.com/orders\r\n"
            + "X-Request-Id: 4bf92f3577b34da6a3ce929d0e0e4736\r\n"
            + "X-Forwarded-For: 203.0.113.7\r\n"
            + "Cookie: session=abc123; theme=dark\r\n"
            + "Connection: keep-alive\r\n\r\n"
            + "{\"item\":\"x\",\"quantity\":10}").utf8
    )

    @Test func decodeThroughput() throws {
        let rounds = 200_000
        let clock = ContinuousClock()
        let wire = ByteBuffer(bytes: Self.request)
        var checksum = 0

        var decoder = HTTP1RequestDecoder(limits: HTTP1Limits())
        let ours = try clock.measure {
            for _ in 0..<rounds {
                decoder.feed(wire)
                while let event = try decoder.next() {
                    switch event {
                    case .head(let head): checksum &+= head.fields.count
                    case .body(let body): checksum &+= body.readableBytes
                    case .end: break
                    }
                }
            }
        }

        let channel = EmbeddedChannel(handler: ByteToMessageHandler(HTTPRequestDecoder()))
        let llhttp = try clock.measure {
            for _ in 0..<rounds {
                try channel.writeInbound(wire)
                while let part = try channel.readInbound(as: HTTPServerRequestPart.self) {
                    switch part {
                    case .head(let head): checksum &+= head.headers.count
                    case .body(let body): checksum &+= body.readableBytes
                    case .end: break
                    }
                }
            }
        }
        _ = try? channel.finish()

        func perRequest(_ duration: Duration) -> Double {
            let (seconds, attoseconds) = duration.components
            return (Double(seconds) * 1e9 + Double(attoseconds) / 1e9) / Double(rounds)
        }
        print(
            String(
                format:
                    "HTTP/1.1 decode, %d-byte request with 14 fields, %d rounds: codec %.0f ns, llhttp via NIO %.0f ns",
                Self.request.count,
                rounds,
                perRequest(ours),
                perRequest(llhttp)
            )
        )
        #expect(checksum == 2 * rounds * (14 + 26))
    }
}
