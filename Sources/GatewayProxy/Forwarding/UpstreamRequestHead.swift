import GatewayRules
import GatewayHTTP1
import GatewayPolicy
import NIOCore

/// Writes the request head sent upstream (SPEC §3 "Allowed requests are forwarded with"): the
/// client's fields that pass — copied as bytes, never made into strings (from HTTP/1.1, runs of
/// them as the lines they came in) — then the gateway's
/// own: framing, `X-Forwarded-*`, `X-Request-Id`, `X-Auth-*`. Pure: the same input gives the
/// same bytes.
struct UpstreamRequestHead {
    /// The client as the gateway saw it.
    var peerAddress: String
    /// Whether the peer is in `trusted_proxies` (its `X-Forwarded-*` are kept and appended to).
    var peerIsTrusted: Bool
    var isSecure: Bool
    var requestID: String

    /// The head as HTTP/1.1 bytes. `authority` is the `Host` to send when the client's fields
    /// have none (HTTP/2's `:authority`); `isChunked` adds `Transfer-Encoding: chunked`.
    func encode<Block: FieldBlock>(
        method: String,
        fields: Block,
        authority: String?,
        allowance: Allowance,
        isChunked: Bool,
        allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        var writer = HTTP1HeadWriter(allocator: allocator, capacity: 1024)
        writer.writeRequestLine(method: method, target: allowance.upstreamTarget)
        if let authority { writer.add(name: "host", value: authority) }
        let forwardCredentials = allowance.route.rule.forwardCredentials
        let tokens = ConnectionTokens(fields)
        let claimHeaders = allowance.route.rule.claimsToHeaders
        var priorFor: [UInt8] = []
        var priorProto: String?
        var priorHost: String?
        var clientHost: String?
        fields.write(into: &writer) { name, value in
            switch FieldRole(name: name) {
            case .ordinary:
                if tokens.contains(name) { return false }
                if !claimHeaders.isEmpty, ASCIIName.isClaimHeader(name, of: claimHeaders) { return false }
                if clientHost == nil, ASCIIName.equals(name, "host") { clientHost = String(decoding: value, as: UTF8.self) }
                return true
            case .credential:
                return forwardCredentials
            case .gatewayOwned:
                guard self.peerIsTrusted else { return false }
                if ASCIIName.equals(name, "x-forwarded-for") {
                    if !priorFor.isEmpty { priorFor.append(contentsOf: ", ".utf8) }
                    priorFor.append(contentsOf: value)
                } else if priorProto == nil, ASCIIName.equals(name, "x-forwarded-proto") {
                    priorProto = String(decoding: value, as: UTF8.self)
                } else if priorHost == nil, ASCIIName.equals(name, "x-forwarded-host") {
                    priorHost = String(decoding: value, as: UTF8.self)
                }
                return false
            case .hopByHop, .connection, .pseudo:
                return false
            }
        }
        if isChunked { writer.add(name: "transfer-encoding", value: "chunked") }
        if priorFor.isEmpty {
            writer.add(name: "x-forwarded-for", value: self.peerAddress)
        } else {
            priorFor.append(contentsOf: ", ".utf8)
            priorFor.append(contentsOf: self.peerAddress.utf8)
            priorFor.withUnsafeBytes { writer.add(name: "x-forwarded-for", value: $0) }
        }
        if let priorProto {
            writer.add(name: "x-forwarded-proto", value: priorProto)
        } else {
            writer.writeRaw(self.isSecure ? "x-forwarded-proto: https\r\n" : "x-forwarded-proto: http\r\n")
        }
        if let host = priorHost ?? clientHost ?? authority { writer.add(name: "x-forwarded-host", value: host) }
        writer.add(name: "x-request-id", value: self.requestID)
        allowance.identity?.writeUpstreamFields(into: &writer)
        for header in allowance.claimHeaders { writer.add(name: header.name, value: header.value) }
        return writer.finish()
    }

    /// `filter(_:route:)` with the route's rule, read only when there are trailers (passing
    /// `route.rule` would copy the whole rule on every request).
    static func filter(_ trailers: TrailerFields?, of route: CompiledRoute) -> TrailerFields? {
        guard let trailers else { return nil }
        return Self.filter(trailers, route: route.rule)
    }

    /// Request trailers pass the same removal rules as the head (SPEC §9 "Bodies and
    /// methods"): hop-by-hop fields, credentials unless `forward_credentials`, and anything the
    /// gateway sets, including the route's `claims_to_headers` names.
    static func filter(_ trailers: TrailerFields?, route: RouteRule) -> TrailerFields? {
        guard let trailers else { return nil }
        let forwardCredentials = route.forwardCredentials
        let claimHeaders = route.claimsToHeaders
        let kept = trailers.fields.filter { field in
            var name = field.name
            return name.withUTF8 { bytes in
                switch FieldRole(name: UnsafeRawBufferPointer(bytes)) {
                case .ordinary: return !ASCIIName.isClaimHeader(UnsafeRawBufferPointer(bytes), of: claimHeaders)
                case .credential: return forwardCredentials
                case .gatewayOwned, .hopByHop, .connection, .pseudo: return false
                }
            }
        }
        return kept.isEmpty ? nil : TrailerFields(kept)
    }
}
