/// `[[routes]]`: which requests a route takes, what it demands, and where it forwards them.
public struct RouteRule: Sendable, Equatable {
    /// The `host` key.
    public enum Host: Sendable, Hashable {
        /// Lowercased host name.
        case exact(String)
        /// `"*.example.com"`, stored as the lowercased suffix `".example.com"`.
        case wildcard(suffix: String)
    }

    /// `path` or `path_prefix`.
    public enum Path: Sendable, Hashable {
        case exact(String)
        case prefix(String)
    }

    public var name: String
    /// nil = any host.
    public var host: Host?
    public var path: Path
    /// Uppercased; nil = every method.
    public var methods: [String]?
    /// Names an `[[upstreams]]` entry (validated).
    public var upstream: String
    /// Kinds that may satisfy the route.
    public var auth: [CredentialKind]
    /// All required.
    public var scopes: [String]
    /// At least one required, if non-empty.
    public var anyScopes: [String]
    /// If non-empty, a JWT's `aud` must contain one.
    public var audiences: [String]
    public var replay: ReplayRequirement
    /// `dpop`: whether only DPoP-bound tokens with a valid proof pass (SPEC §10).
    public var dpop: DPoPRequirement
    /// `claims_to_headers`: upstream headers set from the verified JWT's claims, in file order.
    public var claimsToHeaders: [ClaimHeader]
    public var forwardCredentials: Bool
    public var stripPrefix: Bool
    public var rateLimit: RateLimitRule?
    /// `public = true`: no authentication.
    public var isPublic: Bool

    public init(
        name: String,
        host: Host? = nil,
        path: Path,
        methods: [String]? = nil,
        upstream: String,
        auth: [CredentialKind] = CredentialKind.allCases,
        scopes: [String] = [],
        anyScopes: [String] = [],
        audiences: [String] = [],
        replay: ReplayRequirement = .off,
        dpop: DPoPRequirement = .optional,
        claimsToHeaders: [ClaimHeader] = [],
        forwardCredentials: Bool = false,
        stripPrefix: Bool = false,
        rateLimit: RateLimitRule? = nil,
        isPublic: Bool = false
    ) {
        self.name = name
        self.host = host
        self.path = path
        self.methods = methods
        self.upstream = upstream
        self.auth = auth
        self.scopes = scopes
        self.anyScopes = anyScopes
        self.audiences = audiences
        self.replay = replay
        self.dpop = dpop
        self.claimsToHeaders = claimsToHeaders
        self.forwardCredentials = forwardCredentials
        self.stripPrefix = stripPrefix
        self.rateLimit = rateLimit
        self.isPublic = isPublic
    }
}

/// The credential kinds of SPEC §3, as written in a route's `auth`.
public enum CredentialKind: String, Sendable, Hashable, CaseIterable {
    case jwt
    case apiKey = "api_key"
    case signature
}

/// A route's `replay` key.
public enum ReplayRequirement: String, Sendable, Hashable {
    case off
    case required
}

/// `rate_limit = "100/s"` with `burst`: a token bucket per credential (or client address).
public struct RateLimitRule: Sendable, Hashable {
    /// Requests allowed per `period`.
    public var count: Int
    public var period: Duration
    /// Bucket size; defaults to `count`.
    public var burst: Int

    public init(count: Int, period: Duration, burst: Int? = nil) {
        self.count = count
        self.period = period
        self.burst = burst ?? count
    }
}
