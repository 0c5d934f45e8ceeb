import NIOCore

/// The client's address as the gateway saw it: text for `X-Forwarded-For` and audit records,
/// bytes for `trusted_proxies` checks.
struct PeerAddress {
    var text: String
    /// 4 or 16 bytes; nil for a Unix socket or an unknown peer.
    var bytes: [UInt8]?

    static let unknown = PeerAddress(text: "unknown", bytes: nil)

    init(text: String, bytes: [UInt8]?) {
        self.text = text
        self.bytes = bytes
    }

    init(_ address: SocketAddress?) {
        guard let address else {
            self = .unknown
            return
        }
        self.init(text: address.ipAddress ?? "unknown", bytes: address.addressBytes)
    }
}

extension SocketAddress {
    /// The address bytes of an IP socket address (4 or 16), for `trusted_proxies` checks.
    var addressBytes: [UInt8]? {
        // Read from the raw sockaddr: sin_addr sits at offset 4 (4 bytes), sin6_addr at
        // offset 8 (16 bytes), on every platform NIO supports.
        let layout: (offset: Int, count: Int)
        switch self {
        case .v4: layout = (4, 4)
        case .v6: layout = (8, 16)
        case .unixDomainSocket: return nil
        }
        return self.withSockAddr { pointer, size in
            guard size >= layout.offset + layout.count else { return nil }
            let raw = UnsafeRawPointer(pointer) + layout.offset
            return Array(UnsafeRawBufferPointer(start: raw, count: layout.count))
        }
    }

    /// The bytes of an IP address written as text (an `X-Forwarded-For` entry), or nil.
    static func bytes(ofIP text: String) -> [UInt8]? {
        (try? SocketAddress(ipAddress: text, port: 0))?.addressBytes
    }
}
