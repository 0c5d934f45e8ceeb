public import GatewayAudit
public import GatewayLimits
public import GatewayPolicy
public import GatewayReplay
public import GatewayRules
public import GatewayTokens
public import NIOCore
public import NIOSSL

/// Everything the data path reads, as one immutable snapshot: swapped whole on reload, so a
/// request sees one consistent configuration from head to end.
public final class ProxyConfiguration: Sendable {
    /// Limits and timeouts of the downstream side, in NIO's units.
    public struct Limits: Sendable {
        public var maxHeaderBytes: Int
        public var maxBodyBytes: Int
        public var maxURIBytes: Int
        public var headerTimeout: TimeAmount
        public var idleTimeout: TimeAmount
        public var maxConnections: Int
        public var shutdownGrace: TimeAmount
    }

    public let rules: Rules
    public let policy: Policy
    public let limits: Limits
    public let trustedProxies: [CIDR]
    /// Upstreams by name; their host names are looked up when connecting, not here.
    public let upstreams: [String: ResolvedUpstream]
    /// Each route's upstream by `CompiledRoute.index`, so a request finds it without hashing
    /// the upstream's name (`upstream(of:)`).
    private let upstreamByRouteIndex: [ResolvedUpstream?]
    public let auditSink: any AuditSink
    /// HTTPS termination (`[server] tls`), reloaded with the rules; nil serves plain HTTP.
    public let downstreamTLS: NIOSSLContext?
    /// The replay store (SPEC §4): one for the process, kept across reloads; nil refuses
    /// replay-protected routes (`replay_store_unavailable`).
    public let nonceStore: (any NonceStore)?
    /// The rate limiter (SPEC §9 "Rate limits"): one for the process, kept across reloads (in
    /// Redis when the replay store is); nil when no route is limited.
    public let rateLimiter: (any RateLimiter)?
    /// The token endpoint (SPEC §8), when `[token_endpoint]` is configured.
    public let tokenEndpoint: TokenEndpoint?
    /// Told the `kid` of a JWT refused `unknown_key` (a JWK Set may have rotated); it decides,
    /// rate-limited, whether to refresh. Never called on the request path's success branch.
    public let unknownKeyObserver: (@Sendable (String) -> Void)?

    /// Builds the snapshot; loads keys and TLS files, so call it off the event loops. Upstream
    /// host names are not looked up here (SPEC §9 "Upstream names"). `fetchedJWKS` holds the JWK Sets of `[[jwks]] url` sources, by URL.
    public convenience init(rules: Rules, auditSink: any AuditSink, fetchedJWKS: [String: [UInt8]] = [:]) throws {
        try self.init(
            rules: rules,
            policy: try Policy(rules: rules, fetchedJWKS: fetchedJWKS),
            auditSink: auditSink,
            nonceStore: Self.makeNonceStore(for: rules),
            rateLimiter: Self.makeRateLimiter(for: rules)
        )
    }

    /// The replay store the rules need: a memory store of `replay.capacity` when a route asks for
    /// replay protection, else none (it preallocates its tables).
    public static func makeNonceStore(for rules: Rules) -> (any NonceStore)? {
        guard Self.needsReplayStore(rules) else { return nil }
        return MemoryNonceStore(capacity: rules.replay.capacity)
    }

    /// Whether the rules record anything in the replay store: a replay-protected route, the
    /// token endpoint's revocations, or DPoP proofs' `jti`s — any route that takes JWTs accepts
    /// a DPoP-bound token with its proof (SPEC §10).
    public static func needsReplayStore(_ rules: Rules) -> Bool {
        rules.tokenEndpoint != nil
            || rules.routes.contains { $0.replay == .required || (!$0.isPublic && $0.auth.contains(.jwt)) }
    }

    /// A memory rate limiter when a route (or the token endpoint) is limited, else none.
    public static func makeRateLimiter(for rules: Rules) -> (any RateLimiter)? {
        guard Self.needsRateLimiter(rules) else { return nil }
        return MemoryRateLimiter()
    }

    /// Whether a route or the token endpoint has a `rate_limit`.
    public static func needsRateLimiter(_ rules: Rules) -> Bool {
        rules.tokenEndpoint?.rateLimit != nil || rules.routes.contains { $0.rateLimit != nil }
    }

    /// Builds the snapshot around an already compiled policy; reads TLS files, looks up no names.
    public init(
        rules: Rules,
        policy: Policy,
        auditSink: any AuditSink,
        nonceStore: (any NonceStore)? = nil,
        rateLimiter: (any RateLimiter)? = nil,
        unknownKeyObserver: (@Sendable (String) -> Void)? = nil
    ) throws {
        self.rules = rules
        self.policy = policy
        // A limited route never runs unlimited: without a limiter from the caller, one of its own.
        self.rateLimiter = rateLimiter ?? Self.makeRateLimiter(for: rules)
        self.tokenEndpoint = try TokenEndpoint(rules: rules, apiKeys: policy.apiKeyTable)
        self.nonceStore = nonceStore
        self.unknownKeyObserver = unknownKeyObserver
        let server = rules.server
        self.limits = Limits(
            maxHeaderBytes: server.maxHeaderBytes,
            maxBodyBytes: server.maxBodyBytes,
            maxURIBytes: server.maxURIBytes,
            headerTimeout: TimeAmount(server.headerTimeout),
            idleTimeout: TimeAmount(server.idleTimeout),
            maxConnections: server.maxConnections,
            shutdownGrace: TimeAmount(server.shutdownGrace)
        )
        self.trustedProxies = server.trustedProxies
        self.downstreamTLS = try server.tls.map(TLSContexts.downstream)
        var upstreams: [String: ResolvedUpstream] = [:]
        for upstream in rules.upstreams {
            upstreams[upstream.name] = try ResolvedUpstream(upstream)
        }
        self.upstreams = upstreams
        var byRouteIndex = [ResolvedUpstream?](repeating: nil, count: (policy.routes.map(\.index).max() ?? -1) + 1)
        for route in policy.routes where route.index >= 0 {
            byRouteIndex[route.index] = upstreams[route.upstream.name]
        }
        self.upstreamByRouteIndex = byRouteIndex
        self.auditSink = auditSink
    }

    /// The upstream `route` (of this configuration's policy) sends to, or nil if none is named so.
    func upstream(of route: CompiledRoute) -> ResolvedUpstream? {
        let index = route.index
        if index >= 0, index < self.upstreamByRouteIndex.count, let upstream = self.upstreamByRouteIndex[index],
            upstream.rule.name == route.upstream.name
        {
            return upstream
        }
        return self.upstreams[route.upstream.name]
    }

    /// Whether a peer address (4 or 16 bytes) belongs to `trusted_proxies`.
    func isTrustedProxy(_ address: [UInt8]?) -> Bool {
        guard let address, !self.trustedProxies.isEmpty else { return false }
        return self.trustedProxies.contains { $0.contains(address) }
    }
}

/// An upstream with its targets ready to connect to. Host names are not looked up here: each
/// target's `resolver` does it when a connection is made (SPEC §9 "Upstream names").
///
/// Immutable objects, not values: the exchange takes the upstream and target it picked on every
/// request, and as structs each copy retained their strings one by one (about 25 references a
/// request, callgrind); as objects a copy is one retain.
public final class ResolvedUpstream: Sendable {
    public final class Target: Sendable {
        public let target: UpstreamTarget
        /// Finds the target's addresses when connecting: at once for an IP address, by a lookup
        /// off the event loops for a host name (again after a failed connect).
        public let resolver: TargetResolver
        /// `host:port` as the audit record shows it.
        public let label: String
        /// The `[[upstreams]]` name this target belongs to (the `upstream` label of metrics).
        public let upstreamName: String
        /// The name sent in SNI and checked against the certificate (nil for an IP address).
        public let serverHostname: String?
        /// The key of the target's pool on each event loop: per upstream and target, as two
        /// upstreams naming the same address may trust different CAs (made once, not per request).
        public let poolKey: String

        init(
            target: UpstreamTarget,
            resolver: TargetResolver,
            label: String,
            upstreamName: String,
            serverHostname: String?,
            poolKey: String
        ) {
            self.target = target
            self.resolver = resolver
            self.label = label
            self.upstreamName = upstreamName
            self.serverHostname = serverHostname
            self.poolKey = poolKey
        }
    }

    public let rule: UpstreamRule
    public let targets: [Target]
    public let connectTimeout: TimeAmount
    public let responseTimeout: TimeAmount
    /// For `https` targets: certificates verified against `ca_file` or the system store.
    public let tls: NIOSSLContext?

    /// Throws only when the TLS context cannot be built (`ca_file`); names never fail here.
    init(_ rule: UpstreamRule) throws {
        self.rule = rule
        self.targets = rule.targets.map { target in
            let resolver = TargetResolver(host: target.host, port: target.port)
            return Target(
                target: target,
                resolver: resolver,
                label: target.description,
                upstreamName: rule.name,
                serverHostname: resolver.isName ? target.host : nil,
                poolKey: rule.name + "\u{0}" + target.description
            )
        }
        self.tls = try TLSContexts.upstream(rule)
        self.connectTimeout = TimeAmount(rule.connectTimeout)
        self.responseTimeout = TimeAmount(rule.responseTimeout)
    }
}

extension TimeAmount {
    /// Converts a rules-file `Duration`, saturating at NIO's range.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let nanoseconds = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if nanoseconds.overflow {
            self = .nanoseconds(.max)
        } else {
            self = .nanoseconds(nanoseconds.partialValue + attoseconds / 1_000_000_000)
        }
    }
}
