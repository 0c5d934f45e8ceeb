/// `[[upstreams]]`: a named group of targets requests are forwarded to.
public struct UpstreamRule: Sendable, Equatable {
    public var name: String
    /// Several targets are used in round robin.
    public var targets: [UpstreamTarget]
    public var connectTimeout: Duration
    /// How long the upstream may stay silent while a response is awaited or streams.
    public var responseTimeout: Duration
    /// CA bundle for https targets (path resolved); nil = the system trust store.
    public var caFile: String?

    public init(
        name: String,
        targets: [UpstreamTarget],
        connectTimeout: Duration = .seconds(2),
        responseTimeout: Duration = .seconds(30),
        caFile: String? = nil
    ) {
        self.name = name
        self.targets = targets
        self.connectTimeout = connectTimeout
        self.responseTimeout = responseTimeout
        self.caFile = caFile
    }
}

/// One upstream target: `"host:port"` or `"https://host:port"`.
public struct UpstreamTarget: Sendable, Hashable, CustomStringConvertible {
    public enum Scheme: String, Sendable, Hashable {
        case http, https
    }

    public var scheme: Scheme
    /// Without brackets for IPv6.
    public var host: String
    public var port: Int

    public init(scheme: Scheme = .http, host: String, port: Int) {
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    /// `host:port`, with `https://` in front for TLS targets: the audit record's `upstream`.
    public var description: String {
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return self.scheme == .https ? "https://\(host):\(self.port)" : "\(host):\(self.port)"
    }
}
