import NIOCore
import NIOHTTP1

/// Builds the response head sent to the client from the upstream's (hop-by-hop fields
/// removed, framing chosen for the client, `X-Request-Id` echoed).
struct ForwardedResponse {
    /// How the response body is delimited towards the client.
    enum Framing: Equatable {
        /// No body follows (HEAD, 1xx, 204, 304).
        case none
        case contentLength
        case chunked
        /// The body ends when the connection closes (an HTTP/1.0 client without a length).
        case untilClose
        /// HTTP/2: the body ends with the stream (DATA frames, END_STREAM); no framing field.
        case stream
    }

    var requestID: String
    var requestMethod: HTTPMethod
    var clientVersion: HTTPVersion
    /// The connection closes after this response.
    var closeConnection: Bool

    /// The response head for the HTTP/2 codec (an HTTP/2 client).
    func head(for response: HTTPResponseHead) -> (head: HTTPResponseHead, framing: Framing) {
        var headers = HTTPHeaders()
        headers.reserveCapacity(response.headers.count + 3)
        let framing = self.writeFields(of: response, into: &headers)
        return (HTTPResponseHead(version: .http1_1, status: response.status, headers: headers), framing)
    }

    /// The response head as HTTP/1.1 bytes (an HTTP/1.x client).
    func encodedHead(for response: HTTPResponseHead, allocator: ByteBufferAllocator) -> (head: ByteBuffer, framing: Framing) {
        var writer = HeadWriter(allocator: allocator)
        writer.writeStatusLine(response.status)
        let framing = self.writeFields(of: response, into: &writer)
        return (writer.finish(), framing)
    }

    /// Writes the fields the client gets and says how the body is framed: the upstream's less
    /// hop-by-hop ones, then framing, `X-Request-Id` and `Connection` as the client needs.
    private func writeFields<Sink: FieldSink>(of response: HTTPResponseHead, into sink: inout Sink) -> Framing {
        let incoming = response.headers
        let tokens = HopByHop.connectionTokens(incoming)
        var hasLength = false
        for (name, value) in incoming {
            if HopByHop.isHopByHop(name, connectionTokens: tokens) || FieldName.equals(name, "x-request-id") { continue }
            if !hasLength, FieldName.equals(name, "content-length") { hasLength = true }
            sink.add(name: name, value: value)
        }
        let framing = self.framing(for: response.status, hasLength: hasLength)
        var close = self.closeConnection
        switch framing {
        case .chunked:
            sink.add(name: "transfer-encoding", value: "chunked")
        case .untilClose:
            close = true
        case .none, .contentLength, .stream:
            break
        }
        sink.add(name: "x-request-id", value: self.requestID)
        if self.clientVersion.major >= 2 {
            // RFC 9113 §8.2.2: connection-specific fields are malformed in HTTP/2.
        } else if close {
            sink.add(name: "connection", value: "close")
        } else if self.clientVersion == .http1_0 {
            sink.add(name: "connection", value: "keep-alive")
        }
        return framing
    }

    private func framing(for status: HTTPResponseStatus, hasLength: Bool) -> Framing {
        let code = status.code
        if self.requestMethod == .HEAD || (100..<200).contains(code) || code == 204 || code == 304 { return .none }
        if hasLength { return .contentLength }
        if self.clientVersion.major >= 2 { return .stream }
        return self.clientVersion == .http1_0 ? .untilClose : .chunked
    }
}
