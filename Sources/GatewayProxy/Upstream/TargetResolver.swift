public import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds the socket addresses of one upstream target when a connection to it is made (SPEC §9
/// "Upstream names"), never at start-up: a Kubernetes Service name may not resolve yet when the
/// gateway starts, or may move later.
///
/// An IP-address target needs nothing. A host name is looked up with `getaddrinfo` on a thread
/// pool — never on an event loop — once at a time per target, the lookup shared by every event
/// loop that asks meanwhile. The answer is used for `answerLifetime` (as nginx's `resolver
/// valid=`), and forgotten as soon as a connection to the target fails, so the next connection
/// looks the name up again. A lookup that fails is not remembered.
///
/// Why not NIO's `ClientBootstrap.connect(host:port:)`: in SwiftNIO 2.101 its
/// `GetaddrinfoResolver` does run `getaddrinfo` off the event loop, but on one serial
/// `DispatchQueue` per loop (a slow lookup delays every other connect of that loop) and anew for
/// every connection. The addresses found here still go through NIO's Happy Eyeballs connector.
public final class TargetResolver: Sendable {
    public let host: String
    public let port: Int
    /// The address when `host` is an IP address.
    private let literal: SocketAddress?
    private let threadPool: NIOThreadPool
    private let lookUp: @Sendable (String, Int) throws -> [SocketAddress]
    private let state = Mutex(State())

    private struct State {
        var addresses: [SocketAddress] = []
        var validUntil = NIODeadline.distantPast
        var lookup: EventLoopFuture<[SocketAddress]>?
    }

    /// How long a looked-up answer is used before the name is looked up again.
    public static let answerLifetime = TimeAmount.seconds(30)

    public convenience init(host: String, port: Int) {
        self.init(host: host, port: port, threadPool: .singleton) { host, port in try Self.lookUp(host: host, port: port) }
    }

    /// `lookUp` runs on `threadPool` (tests give their own).
    init(
        host: String,
        port: Int,
        threadPool: NIOThreadPool,
        lookUp: @escaping @Sendable (String, Int) throws -> [SocketAddress]
    ) {
        self.host = host
        self.port = port
        self.literal = try? SocketAddress(ipAddress: host, port: port)
        self.threadPool = threadPool
        self.lookUp = lookUp
    }

    /// Whether `host` is a name to look up (not an IP address).
    public var isName: Bool { self.literal == nil }

    /// The addresses to connect to, on `eventLoop`: at once for an IP address or a fresh answer,
    /// else once a lookup answers. Fails with a `NameResolutionError` when the name does not
    /// resolve or the lookup has not answered by `deadline` (it goes on, and its answer serves
    /// the next connection).
    public func addresses(on eventLoop: any EventLoop, by deadline: NIODeadline) -> EventLoopFuture<[SocketAddress]> {
        if let literal = self.literal { return eventLoop.makeSucceededFuture([literal]) }
        let now = NIODeadline.now()
        let (cached, lookup, isNew) = self.state.withLock { state -> ([SocketAddress]?, EventLoopFuture<[SocketAddress]>?, Bool) in
            if !state.addresses.isEmpty, now < state.validUntil { return (state.addresses, nil, false) }
            if let lookup = state.lookup { return (nil, lookup, false) }
            let (host, port, lookUp) = (self.host, self.port, self.lookUp)
            let lookup = self.threadPool.runIfActive(eventLoop: eventLoop) { try lookUp(host, port) }
            state.lookup = lookup
            return (nil, lookup, true)
        }
        if let cached { return eventLoop.makeSucceededFuture(cached) }
        guard let lookup else { return eventLoop.makeFailedFuture(NameResolutionError(host: self.host, kind: .noAddress)) }
        if isNew {
            lookup.whenComplete { result in
                self.state.withLock { state in
                    state.lookup = nil
                    if case .success(let addresses) = result {
                        state.addresses = addresses
                        state.validUntil = .now() + Self.answerLifetime
                    }
                }
            }
        }
        // Bounded by the connect timeout: a silent DNS server must not hold the request longer.
        let promise = eventLoop.makePromise(of: [SocketAddress].self)
        let timeout = eventLoop.scheduleTask(deadline: deadline) {
            promise.fail(NameResolutionError(host: self.host, kind: .timedOut))
        }
        lookup.hop(to: eventLoop).whenComplete { result in
            timeout.cancel()
            promise.completeWith(result.mapError { error in
                error is NameResolutionError ? error : NameResolutionError(host: self.host, kind: .failed("\(error)"))
            })
        }
        return promise.futureResult
    }

    /// A connection to the target failed (refused, timed out, TLS handshake refused): the next
    /// connection looks the name up again, in case it moved.
    public func forget() {
        guard self.literal == nil else { return }
        self.state.withLock { $0.validUntil = .distantPast }
    }

    /// Looks `host` up with `getaddrinfo`, blocking: call it off the event loops. Addresses come
    /// in the order the system prefers them (RFC 6724).
    public static func lookUp(host: String, port: Int) throws(NameResolutionError) -> [SocketAddress] {
        var hints = addrinfo()
        #if os(Linux)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        hints.ai_protocol = Int32(IPPROTO_TCP)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw NameResolutionError(host: host, kind: .failed(String(cString: gai_strerror(status))))
        }
        defer { freeaddrinfo(first) }
        var addresses: [SocketAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if let address = entry.pointee.ai_addr {
                switch entry.pointee.ai_family {
                case AF_INET:
                    address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                        addresses.append(SocketAddress($0.pointee, host: host))
                    }
                case AF_INET6:
                    address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                        addresses.append(SocketAddress($0.pointee, host: host))
                    }
                default:
                    break
                }
            }
            cursor = entry.pointee.ai_next
        }
        guard !addresses.isEmpty else { throw NameResolutionError(host: host, kind: .noAddress) }
        return addresses
    }
}

/// An upstream host name that could not be turned into an address: for the proxy a failed
/// connect (502 `upstream_unavailable`, the target cools down), for `gateway check` a warning.
public struct NameResolutionError: Error, CustomStringConvertible {
    fileprivate enum Kind: Sendable {
        case failed(String)
        case noAddress
        case timedOut
    }

    public let host: String
    fileprivate let kind: Kind

    fileprivate init(host: String, kind: Kind) {
        self.host = host
        self.kind = kind
    }

    /// A lookup of `host` that failed for `reason`.
    init(host: String, reason: String) {
        self.init(host: host, kind: .failed(reason))
    }

    public var description: String {
        switch self.kind {
        case .failed(let reason): "cannot resolve \(self.host): \(reason)"
        case .noAddress: "cannot resolve \(self.host): no IPv4 or IPv6 address"
        case .timedOut: "cannot resolve \(self.host): no answer within connect_timeout"
        }
    }
}

/// Hands NIO's connection logic (Happy Eyeballs, RFC 8305) addresses already looked up.
struct KnownAddresses: Resolver, Sendable {
    let addresses: [SocketAddress]
    let eventLoop: any EventLoop

    func initiateAQuery(host: String, port: Int) -> EventLoopFuture<[SocketAddress]> {
        self.eventLoop.makeSucceededFuture(self.addresses.filter { $0.protocol == .inet })
    }

    func initiateAAAAQuery(host: String, port: Int) -> EventLoopFuture<[SocketAddress]> {
        self.eventLoop.makeSucceededFuture(self.addresses.filter { $0.protocol == .inet6 })
    }

    func cancelQueries() {}
}
