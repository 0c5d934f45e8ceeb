/// The outcome of routing one request (SPEC §2 "Route choice", §9 "Routing").
public enum RouteMatch<Payload: Sendable>: Sendable {
    /// The chosen route's payload and its position in the rules file (0-based, among `[[routes]]`).
    case matched(Payload, index: Int)
    /// Some route matches the host and path but none the method: 405 `method_not_allowed`, with the `Allow` field
    /// (RFC 9110 §10.2.1) listing the methods of all those routes, sorted and unique.
    case methodNotAllowed(allow: [String])
    /// No route matches the host and path: 404 `no_route`.
    case noRoute
}

extension RouteMatch: Equatable where Payload: Equatable {}

extension RouteMatch: Hashable where Payload: Hashable {}
