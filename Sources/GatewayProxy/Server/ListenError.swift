public import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Listeners that could not be bound, each with its address and the cause, as an operator reads
/// them (SPEC §9 "Start-up"): `cannot listen on 127.0.0.1:8080 (proxy): address already in use`.
public struct ListenError: Error, CustomStringConvertible {
    /// One listener that could not be bound.
    public struct Failure: Sendable, CustomStringConvertible {
        /// `host:port` (IPv6 in brackets).
        public let address: String
        /// Which listener: `proxy` or `admin`.
        public let role: String
        /// Why, in words: `address already in use`, `permission denied`, ….
        public let cause: String

        public var description: String { "cannot listen on \(self.address) (\(self.role)): \(self.cause)" }
    }

    public let failures: [Failure]

    public init(failures: [Failure]) {
        self.failures = failures
    }

    /// A listener at `address` that could not be bound because of `error`.
    public init(address: String, role: String, error: any Error) {
        self.failures = [Failure(address: address, role: role, cause: Self.cause(of: error))]
    }

    /// A listener at `address` that could not be bound because of `error`.
    public init(address: SocketAddress, role: String, error: any Error) {
        self.init(address: Self.text(of: address), role: role, error: error)
    }

    public var description: String { self.failures.map(\.description).joined(separator: "\n") }

    /// `127.0.0.1:8080`, `[::1]:8080`: an address as the rules file writes it (not NIO's
    /// `[IPv4]127.0.0.1/127.0.0.1:8080`).
    public static func text(of address: SocketAddress) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }

    /// The system's words for an `errno` (`address already in use`), else the error itself.
    static func cause(of error: any Error) -> String {
        if let error = error as? IOError {
            var text = String(cString: strerror(error.errnoCode))
            if let first = text.first { text.replaceSubrange(text.startIndex...text.startIndex, with: first.lowercased()) }
            return text
        }
        if let error = error as? SocketAddressError.UnknownHost {
            return "cannot resolve \(error.host)"
        }
        return "\(error)"
    }
}
