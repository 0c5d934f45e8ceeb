import GatewayHTTP1
import NIOCore

/// Writes the HTTP/1.1 response head a client gets from the upstream's: the upstream's fields
/// less hop-by-hop ones (copied as bytes), then framing, `X-Request-Id` and `Connection` as the
/// client needs.
struct ClientResponseHead {
    var requestID: String
    var client: ClientProtocol
    /// The connection closes after this response.
    var closeConnection: Bool

    /// The head bytes and the framing the body must follow.
    func encode(_ response: HTTP1ResponseHead, requestIsHEAD: Bool, allocator: ByteBufferAllocator) -> (ByteBuffer, ResponseFraming) {
        let fields = response.fields
        let framing = ResponseFraming.forClient(
            upstream: response.framing.kind,
            status: response.status,
            requestIsHEAD: requestIsHEAD,
            client: self.client
        )
        var writer = HTTP1HeadWriter(allocator: allocator, capacity: response.fields.buffer.readableBytes + 96)
        writer.writeStatusLine(status: response.status, reason: response.reason, from: fields)
        let tokens = ConnectionTokens(fields)
        // Runs of fields that pass are copied as their lines, in one write each.
        fields.write(into: &writer) { name, _ in Self.passes(name, tokens) }
        var close = self.closeConnection
        switch framing {
        case .chunked: writer.add(name: "transfer-encoding", value: "chunked")
        case .untilClose: close = true
        case .none, .contentLength, .stream: break
        }
        writer.add(name: "x-request-id", value: self.requestID)
        if close {
            writer.add(name: "connection", value: "close")
        } else if self.client == .http1_0 {
            writer.add(name: "connection", value: "keep-alive")
        }
        return (writer.finish(), framing)
    }

    /// Whether an upstream's response field reaches the client: not hop-by-hop (nor named by
    /// `Connection`), and not `X-Request-Id`, which the gateway sets.
    private static func passes(_ name: UnsafeRawBufferPointer, _ tokens: ConnectionTokens) -> Bool {
        switch FieldRole(name: name) {
        case .hopByHop, .connection, .pseudo:
            return false
        case .gatewayOwned where ASCIIName.equals(name, "x-request-id"):
            return false
        default:
            return !tokens.contains(name)
        }
    }
}

extension HTTP1BodyFraming {
    var kind: HTTP1BodyFramingKind {
        switch self {
        case .none: return .none
        case .length: return .length
        case .chunked, .untilClose: return .open
        }
    }
}
