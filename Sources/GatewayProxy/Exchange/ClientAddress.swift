import NIOCore
import GatewayPolicy

/// The audit record's `client` (SPEC §9 "Audit fields") and the request id a request keeps.
enum ClientAddress {
    /// The peer — or, when the peer is a trusted proxy, the first `X-Forwarded-For` entry from
    /// the right that is not one.
    static func resolve<Fields: RequestFields>(
        peer: PeerAddress,
        peerIsTrusted: Bool,
        fields: Fields,
        isTrusted: ([UInt8]?) -> Bool
    ) -> String {
        guard peerIsTrusted else { return peer.text }
        let entries = fields.strings("x-forwarded-for").flatMap { $0.split(separator: ",") }.map {
            String($0.trimmingWhitespace())
        }
        for entry in entries.reversed() where !entry.isEmpty && !isTrusted(SocketAddress.bytes(ofIP: entry)) {
            return entry
        }
        return entries.first(where: { !$0.isEmpty }) ?? peer.text
    }

    /// The request's `X-Request-Id` when it is acceptable (1–128 of `[A-Za-z0-9._-]`), else a
    /// fresh one.
    static func requestID<Fields: RequestFields>(_ fields: Fields, generator: inout RequestIDGenerator) -> String {
        var kept: String?
        fields.forEachValue(of: "x-request-id") { value in
            if RequestIDGenerator.isAcceptable(value) { kept = String(decoding: value, as: UTF8.self) }
            return false
        }
        return kept ?? generator.next()
    }
}
