/// `[replay]`: the nonce/timestamp window and the store that remembers nonces (SPEC §4).
public struct ReplayRules: Sendable, Equatable {
    public enum OnFull: String, Sendable, Equatable {
        /// 503 `replay_store_full`; a live nonce is never forgotten.
        case reject
    }

    public enum Store: Sendable, Equatable {
        case memory
        /// `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS), shared across
        /// replicas.
        case redis(RedisLocation)
    }

    public var window: Duration
    public var capacity: Int
    public var onFull: OnFull
    public var store: Store

    public init(
        window: Duration = .seconds(300),
        capacity: Int = 1_000_000,
        onFull: OnFull = .reject,
        store: Store = .memory
    ) {
        self.window = window
        self.capacity = capacity
        self.onFull = onFull
        self.store = store
    }
}

/// Where a Redis server is, parsed from a `redis://` or `rediss://` URL.
public struct RedisLocation: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var database: Int
    public var username: String?
    /// Never printed: `description` leaves it out.
    public var password: Secret?
    /// `rediss://`: TLS to the server, verified against the system trust store.
    public var tls: Bool

    public init(
        host: String,
        port: Int = 6379,
        database: Int = 0,
        username: String? = nil,
        password: Secret? = nil,
        tls: Bool = false
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.username = username
        self.password = password
        self.tls = tls
    }

    /// The URL without user name or password.
    public var description: String {
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return "\(self.tls ? "rediss" : "redis")://\(host):\(self.port)/\(self.database)"
    }
}
