public import GatewayRules
public import GatewayRouting

/// A route ready for the request path: its rule, its upstream and its matcher pieces.
///
/// A reference type so that a decision carries it without copying the rule; immutable.
public final class CompiledRoute: Sendable {
    public let rule: RouteRule
    public let upstream: UpstreamRule
    /// Position in the rules file.
    public let index: Int
    public let pathPattern: PathPattern

    public init(rule: RouteRule, upstream: UpstreamRule, index: Int) {
        self.rule = rule
        self.upstream = upstream
        self.index = index
        // Configured paths are normalised like request paths, so `/caf%c3%a9` matches `/café`.
        switch rule.path {
        case .exact(let path): self.pathPattern = (try? PathPattern(path: path)) ?? .exact(path)
        case .prefix(let prefix): self.pathPattern = (try? PathPattern(pathPrefix: prefix)) ?? .prefix(prefix)
        }
    }

    public var name: String { self.rule.name }

    var hostPattern: HostPattern {
        switch self.rule.host {
        case .none: return .any
        case .exact(let host): return .exact(host)
        case .wildcard(let suffix): return .wildcard(suffix: suffix)
        }
    }
}
