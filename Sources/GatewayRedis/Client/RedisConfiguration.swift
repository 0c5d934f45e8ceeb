public import GatewayRules
public import NIOCore
public import NIOSSL

/// Where the Redis server is and how the client talks to it.
///
/// Its password is a `Secret`, whose descriptions are redacted; nothing in this module prints the
/// configuration's user info.
public struct RedisConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// `SELECT`ed on connect when not 0.
    public var database: Int
    /// With `password`: `AUTH username password` (Redis 6 ACLs); without: `AUTH password`.
    public var username: String?
    public var password: Secret?
    /// TLS (`rediss://`); nil for plain TCP. The default verifies the server against the system
    /// trust store and its name.
    public var tls: TLSConfiguration?
    /// A connection attempt, TLS handshake excluded, must succeed within it.
    public var connectTimeout: TimeAmount
    /// A command's reply must arrive within it, else the command fails (and its connection is
    /// replaced, see `RedisPipelineStateMachine`).
    public var commandTimeout: TimeAmount
    /// Waits between reconnection attempts.
    public var backoff: RedisBackoff
    /// Commands waiting on one connection (in flight, or queued while it connects), at most.
    public var maxPendingCommands: Int
    /// What a reply may hold.
    public var replyLimits: RESPDecoder.Limits

    public init(
        host: String,
        port: Int = 6379,
        database: Int = 0,
        username: String? = nil,
        password: Secret? = nil,
        tls: TLSConfiguration? = nil,
        connectTimeout: TimeAmount = .seconds(1),
        commandTimeout: TimeAmount = .milliseconds(500),
        backoff: RedisBackoff = RedisBackoff(),
        maxPendingCommands: Int = 10_000,
        replyLimits: RESPDecoder.Limits = RESPDecoder.Limits()
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.username = username
        self.password = password
        self.tls = tls
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.backoff = backoff
        self.maxPendingCommands = maxPendingCommands
        self.replyLimits = replyLimits
    }

    /// The configuration of `[replay] store = "redis://…"` or `"rediss://…"`, with the default
    /// timeouts; TLS verifies against the system trust store.
    public init(_ location: RedisLocation) {
        self.init(
            host: location.host,
            port: location.port,
            database: location.database,
            username: location.username,
            password: location.password,
            tls: location.tls ? TLSConfiguration.makeClientConfiguration() : nil
        )
    }

    /// `host:port` with the scheme, for logs: no user name, no password.
    public var displayAddress: String {
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return "\(self.tls == nil ? "redis" : "rediss")://\(host):\(self.port)/\(self.database)"
    }
}
