import GatewayPolicy
import GatewayRules
import NIOCore
import NIOHTTP1

/// Builds the request head sent upstream from the one received (SPEC §3 "Allowed requests
/// are forwarded with"). Pure: the same input gives the same head, without I/O.
struct ForwardedRequest {
    /// The client as the gateway saw it.
    var peerAddress: String
    /// Whether the peer is in `trusted_proxies` (its `X-Forwarded-*` are kept and appended to).
    var peerIsTrusted: Bool
    var isSecure: Bool
    var requestID: String

    /// Whether a client header never goes upstream as is: replaced by the gateway's own
    /// (`X-Forwarded-*`, `X-Request-Id`, `X-Auth-*`), handled by it (`Expect`), or a credential
    /// the route does not forward.
    private static func isReplaced(_ name: String, forwardCredentials: Bool) -> Bool {
        if FieldName.hasPrefix(name, "x-auth-") { return true }
        switch name.utf8.count {
        case 6: return FieldName.equals(name, "expect")
        case 9: return !forwardCredentials && (FieldName.equals(name, "x-api-key") || FieldName.equals(name, "signature"))
        case 12: return FieldName.equals(name, "x-request-id")
        case 13: return !forwardCredentials && FieldName.equals(name, "authorization")
        case 15:
            return FieldName.equals(name, "x-forwarded-for")
                || (!forwardCredentials && FieldName.equals(name, "signature-input"))
        case 16: return FieldName.equals(name, "x-forwarded-host")
        case 17: return FieldName.equals(name, "x-forwarded-proto")
        default: return false
        }
    }

    /// The upstream request head as HTTP/1.1 bytes.
    func encodedHead(
        for request: HTTPRequestHead,
        allowance: Allowance,
        isChunked: Bool,
        allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        var writer = HeadWriter(allocator: allocator)
        writer.writeRequestLine(method: request.method, target: allowance.upstreamTarget)
        self.writeFields(for: request, allowance: allowance, isChunked: isChunked, into: &writer)
        return writer.finish()
    }

    /// The upstream request head's fields, in order: the client's (less hop-by-hop and replaced
    /// ones), framing, `X-Forwarded-*`, `X-Request-Id`, `X-Auth-*`.
    func writeFields<Sink: FieldSink>(
        for request: HTTPRequestHead,
        allowance: Allowance,
        isChunked: Bool,
        into sink: inout Sink
    ) {
        let incoming = request.headers
        let tokens = HopByHop.connectionTokens(incoming)
        let forwardCredentials = allowance.route.rule.forwardCredentials
        for (name, value) in incoming {
            if HopByHop.isHopByHop(name, connectionTokens: tokens) { continue }
            if Self.isReplaced(name, forwardCredentials: forwardCredentials) { continue }
            sink.add(name: name, value: value)
        }
        if isChunked { sink.add(name: "transfer-encoding", value: "chunked") }
        self.addForwardingHeaders(to: &sink, from: incoming)
        sink.add(name: "x-request-id", value: self.requestID)
        if let identity = allowance.identity {
            sink.add(name: "x-auth-subject", value: identity.subject)
            sink.add(name: "x-auth-scopes", value: identity.scopes.joined(separator: " "))
            sink.add(name: "x-auth-credential", value: identity.credentialLabel)
        }
    }

    /// `X-Forwarded-For` (client appended; an incoming one kept only from a trusted proxy),
    /// `X-Forwarded-Proto`, `X-Forwarded-Host`.
    private func addForwardingHeaders<Sink: FieldSink>(to headers: inout Sink, from incoming: HTTPHeaders) {
        let priorFor = self.peerIsTrusted ? incoming["x-forwarded-for"].joined(separator: ", ") : ""
        headers.add(name: "x-forwarded-for", value: priorFor.isEmpty ? self.peerAddress : "\(priorFor), \(self.peerAddress)")
        let priorProto = self.peerIsTrusted ? incoming.first(name: "x-forwarded-proto") : nil
        headers.add(name: "x-forwarded-proto", value: priorProto ?? (self.isSecure ? "https" : "http"))
        let priorHost = self.peerIsTrusted ? incoming.first(name: "x-forwarded-host") : nil
        if let host = priorHost ?? incoming.first(name: "host") {
            headers.add(name: "x-forwarded-host", value: host)
        }
    }

    /// The audit record's `client` (SPEC §9): the peer, or — when the peer is a trusted proxy —
    /// the first `X-Forwarded-For` entry from the right that is not one.
    static func clientAddress(
        peer: String,
        peerIsTrusted: Bool,
        headers: HTTPHeaders,
        isTrusted: (String) -> Bool
    ) -> String {
        guard peerIsTrusted else { return peer }
        let entries = headers["x-forwarded-for"].flatMap { $0.split(separator: ",") }.map {
            String($0.trimmingWhitespace())
        }
        for entry in entries.reversed() where !entry.isEmpty && !isTrusted(entry) {
            return entry
        }
        return entries.first(where: { !$0.isEmpty }) ?? peer
    }
}
