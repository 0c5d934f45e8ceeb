/// `[server]`: listeners, limits and timeouts of the downstream side.
public struct ServerRules: Sendable, Equatable {
    /// One or more listening addresses (`listen` is a string or an array).
    public var listen: [ListenAddress]
    /// Event-loop threads; 0 means one per core.
    public var threads: Int
    /// HTTPS with ALPN h2 and http/1.1 when set.
    public var tls: TLSRules?
    /// The whole request head, request line included (431 beyond).
    public var maxHeaderBytes: Int
    /// Request body (413 beyond).
    public var maxBodyBytes: Int
    /// The request target (414 beyond).
    public var maxURIBytes: Int
    /// The whole request head must arrive within it, from its first byte (408).
    public var headerTimeout: Duration
    /// Keep-alive gap allowed between requests.
    public var idleTimeout: Duration
    /// How long in-flight requests may run after SIGTERM.
    public var shutdownGrace: Duration
    public var maxConnections: Int
    /// Peers whose `X-Forwarded-For` is kept and appended to.
    public var trustedProxies: [CIDR]

    public init(
        listen: [ListenAddress] = [ListenAddress(host: "127.0.0.1", port: 8080)],
        threads: Int = 0,
        tls: TLSRules? = nil,
        maxHeaderBytes: Int = 16 * 1024,
        maxBodyBytes: Int = 10 * 1024 * 1024,
        maxURIBytes: Int = 8 * 1024,
        headerTimeout: Duration = .seconds(10),
        idleTimeout: Duration = .seconds(60),
        shutdownGrace: Duration = .seconds(15),
        maxConnections: Int = 10_000,
        trustedProxies: [CIDR] = []
    ) {
        self.listen = listen
        self.threads = threads
        self.tls = tls
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
        self.maxURIBytes = maxURIBytes
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        self.shutdownGrace = shutdownGrace
        self.maxConnections = maxConnections
        self.trustedProxies = trustedProxies
    }
}

/// A `"host:port"` or `"[v6]:port"` listening address.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// Without brackets: `"127.0.0.1"`, `"::"`, `"localhost"`.
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String {
        self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)"
    }
}

/// `[server] tls`: certificate chain and private key, PEM files (paths resolved).
public struct TLSRules: Sendable, Equatable {
    public var certFile: String
    public var keyFile: String

    public init(certFile: String, keyFile: String) {
        self.certFile = certFile
        self.keyFile = keyFile
    }
}

/// `[admin]`: the listener for `/healthz`, `/readyz` and `/metrics`.
public struct AdminRules: Sendable, Equatable {
    public var listen: ListenAddress

    public init(listen: ListenAddress) {
        self.listen = listen
    }
}
