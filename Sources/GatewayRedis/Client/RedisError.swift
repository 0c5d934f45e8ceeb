/// Why a Redis command has no answer, or what the server refused. Its text never holds the
/// password nor a command's arguments (keys name nonces and credentials).
public struct RedisError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Base: Sendable, Hashable {
        case connect(String)
        case auth(String)
        case timeout
        case closed(String?)
        case unavailable(String)
        case server(String)
        case protocolViolation(String)
        case overloaded
        case shutDown
    }

    private let base: Base

    /// The connection could not be made (refused, unresolvable, TLS, or the connect timeout).
    static func connect(_ reason: String) -> RedisError { RedisError(base: .connect(reason)) }
    /// `AUTH` or `SELECT` refused on connect.
    static func auth(_ reason: String) -> RedisError { RedisError(base: .auth(reason)) }
    /// No reply within the command timeout.
    static let timeout = RedisError(base: .timeout)
    /// The connection closed with the command unanswered.
    static let closed = RedisError(base: .closed(nil))
    /// The connection failed with `reason` (a TLS error, a reset) with the command unanswered.
    static func closed(because reason: String) -> RedisError { RedisError(base: .closed(reason)) }
    /// No connection to send on: the client is waiting to reconnect after `reason`.
    static func unavailable(_ reason: String) -> RedisError { RedisError(base: .unavailable(reason)) }
    /// An error reply (`-ERR …`).
    static func server(_ message: String) -> RedisError { RedisError(base: .server(message)) }
    /// Bytes that are not RESP2, over the decoder's limits, or a reply no command asked for.
    static func protocolViolation(_ reason: String) -> RedisError { RedisError(base: .protocolViolation(reason)) }
    /// Too many commands waiting on one connection.
    static let overloaded = RedisError(base: .overloaded)
    /// The client was shut down.
    static let shutDown = RedisError(base: .shutDown)

    /// The error's class, as the `kind` label of `gateway_redis_errors_total`: `connect`, `auth`,
    /// `timeout`, `closed`, `unavailable`, `server`, `protocol`, `overloaded` or `shutdown`.
    public var kind: String {
        switch self.base {
        case .connect: return "connect"
        case .auth: return "auth"
        case .timeout: return "timeout"
        case .closed: return "closed"
        case .unavailable: return "unavailable"
        case .server: return "server"
        case .protocolViolation: return "protocol"
        case .overloaded: return "overloaded"
        case .shutDown: return "shutdown"
        }
    }

    /// The server's error reply, for `server` errors.
    public var serverMessage: String? {
        if case .server(let message) = self.base { return message }
        return nil
    }

    /// `NOSCRIPT`: `EVALSHA` named a script the server does not hold (it restarted, or
    /// `SCRIPT FLUSH` ran).
    public var isNoScript: Bool {
        self.serverMessage?.hasPrefix("NOSCRIPT") ?? false
    }

    /// Whether the server itself answered (the connection works).
    public var isServerReply: Bool {
        if case .server = self.base { return true }
        return false
    }

    public var description: String {
        switch self.base {
        case .connect(let reason): return "cannot connect to Redis: \(reason)"
        case .auth(let reason): return "Redis refused the connection's AUTH or SELECT: \(reason)"
        case .timeout: return "Redis did not answer within the command timeout"
        case .closed(nil): return "the Redis connection closed before the reply"
        case .closed(let reason?): return "the Redis connection failed: \(reason)"
        case .unavailable(let reason): return "Redis is unavailable (\(reason)); reconnecting"
        case .server(let message): return "Redis answered an error: \(message)"
        case .protocolViolation(let reason): return "Redis protocol error: \(reason)"
        case .overloaded: return "too many Redis commands waiting on one connection"
        case .shutDown: return "the Redis client is shut down"
        }
    }
}
