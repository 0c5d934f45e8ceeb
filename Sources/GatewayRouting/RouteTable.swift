/// Immutable, built once per rules load, then read concurrently from every event loop.
///
/// Route choice (SPEC §2, §9 "Routing"): a route matches on host, path and method together; among the matching
/// routes the most specific host wins (exact, then wildcard — a longer suffix before a shorter one —, then none),
/// then the longest path (`path` before a `path_prefix` of the same length), then the first in the file. 405 only
/// when some route matches host and path but none the method.
///
/// Everything that ordering needs is settled at init: routes are grouped by host pattern — exact hosts and wildcard
/// suffixes in dictionaries — and, within a host pattern, indexed by path. A request then costs at most a dictionary
/// look-up per label of its host and per segment of its path, however many routes there are, and allocates
/// nothing unless it is answered 405.
public struct RouteTable<Payload: Sendable>: Sendable {
    /// In file order: a route's position is its index in the rules file.
    @usableFromInline
    let payloads: [Payload]
    @usableFromInline
    let index: RouteIndex

    /// Builds the table; `entries` are in file order.
    ///
    /// Host patterns and methods are folded once more (lowercase hosts, uppercase methods), so that entries built
    /// by hand compare like those parsed from a rules file.
    public init(_ entries: [RouteEntry<Payload>]) {
        self.payloads = entries.map(\.payload)
        self.index = RouteIndex(entries.map { (host: $0.host, path: $0.path, methods: $0.methods) })
    }

    /// How many routes the table holds.
    @inlinable
    public var count: Int {
        self.payloads.count
    }

    /// Chooses the route for a request. `host` is already normalized (see ``HostName``), `path` already normalized
    /// (see ``PathNormalizer``); `method` is compared as sent, case-sensitively (RFC 9110 §9.1).
    ///
    /// Inlinable so that it is specialised for the caller's payload type: the look-up itself is not generic.
    @inlinable
    public func match(host: String, path: String, method: String) -> RouteMatch<Payload> {
        switch self.index.match(host: host, path: path, method: method) {
        case .route(let position):
            .matched(self.payloads[position], index: position)
        case .methodNotAllowed(let allow):
            .methodNotAllowed(allow: allow)
        case .noRoute:
            .noRoute
        }
    }
}
