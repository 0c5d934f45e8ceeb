/// One `[[routes]]` entry as routing sees it: what it matches, and what the caller wants back when it is chosen.
public struct RouteEntry<Payload: Sendable>: Sendable {
    /// The route's `host`, or ``HostPattern/any`` without one.
    public var host: HostPattern
    /// The route's `path` or `path_prefix`.
    public var path: PathPattern
    /// The route's `methods`, uppercased; nil = all methods. `GET` implies `HEAD` (SPEC §9 "Routing",
    /// RFC 9110 §9.3.2).
    public var methods: [String]?
    /// Whatever the caller attaches to the route (its compiled policy, its upstream, its name…).
    public var payload: Payload

    public init(host: HostPattern = .any, path: PathPattern, methods: [String]? = nil, payload: Payload) {
        self.host = host
        self.path = path
        self.methods = methods
        self.payload = payload
    }
}

extension RouteEntry: Equatable where Payload: Equatable {}

extension RouteEntry: Hashable where Payload: Hashable {}
