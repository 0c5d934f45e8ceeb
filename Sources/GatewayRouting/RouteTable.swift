/// Immutable, built once per rules load, then read concurrently from every event loop.
///
/// Route choice (SPEC §2, §9 "Routing"): a route matches on host, path and method together; among the matching
/// routes the most specific host wins (exact, then wildcard — a longer suffix before a shorter one —, then none),
/// then the longest path (`path` before a `path_prefix` of the same length), then the first in the file.
///
/// Everything that ordering needs is settled at init: routes are grouped by host pattern — exact hosts and wildcard
/// suffixes in dictionaries — and, within a host pattern, indexed by path. A request then costs a dictionary look-up
/// per label of its host and per segment of its path, however many routes there are, and allocates nothing unless
/// it is answered 405.
public struct RouteTable<Payload: Sendable>: Sendable {
    /// A route as matching needs it.
    private struct Route: Sendable {
        var payload: Payload
        /// Sorted, unique, uppercased, with `HEAD` wherever `GET` is; nil = all methods.
        var methods: [String]?

        func allows(_ method: String) -> Bool {
            guard let methods = self.methods else {
                return true
            }
            return methods.contains(method)
        }
    }

    /// In file order: a route's position is its index in the rules file.
    private let routes: [Route]
    /// Routes with an exact `host`, by host.
    private let exactHosts: [String: RouteBucket]
    /// Routes with a wildcard `host`, by suffix (".example.com").
    private let wildcardHosts: [Substring: RouteBucket]
    /// Routes without `host`.
    private let anyHost: RouteBucket

    /// Builds the table; `entries` are in file order.
    ///
    /// Host patterns and methods are folded here once more (lowercase hosts, uppercase methods), so that entries
    /// built by hand compare like those parsed from a rules file.
    public init(_ entries: [RouteEntry<Payload>]) {
        var routes: [Route] = []
        routes.reserveCapacity(entries.count)
        var exactHosts: [String: RouteBucket] = [:]
        var wildcardHosts: [Substring: RouteBucket] = [:]
        var anyHost = RouteBucket()
        for (position, entry) in entries.enumerated() {
            routes.append(Route(payload: entry.payload, methods: entry.methods.map(Self.allowedMethods)))
            switch entry.host {
            case .any:
                anyHost.add(entry.path, position: position)
            case .exact(let host):
                exactHosts[ASCII.lowercased(host[...]), default: RouteBucket()].add(entry.path, position: position)
            case .wildcard(let suffix):
                var suffix = ASCII.lowercased(suffix[...])
                if suffix.utf8.first != ASCII.dot {
                    suffix = "." + suffix
                }
                wildcardHosts[suffix[...], default: RouteBucket()].add(entry.path, position: position)
            }
        }
        self.routes = routes
        self.exactHosts = exactHosts
        self.wildcardHosts = wildcardHosts
        self.anyHost = anyHost
    }

    /// How many routes the table holds.
    public var count: Int {
        self.routes.count
    }

    /// Chooses the route for a request. `host` is already normalized (see ``HostName``), `path` already normalized
    /// (see ``PathNormalizer``); `method` is compared as sent, case-sensitively (RFC 9110 §9.1).
    public func match(host: String, path: String, method: String) -> RouteMatch<Payload> {
        var chosen: Int?
        var pathMatched = false
        self.forEachBucket(matching: host) { bucket in
            bucket.forEachMatch(path: path) { position in
                pathMatched = true
                guard self.routes[position].allows(method) else {
                    return true
                }
                chosen = position
                return false
            }
        }
        if let chosen {
            return .matched(self.routes[chosen].payload, index: chosen)
        }
        guard pathMatched else {
            return .noRoute
        }
        // 405: the `Allow` field lists the methods of every route that matches host and path (SPEC §9).
        var allow: [String] = []
        self.forEachBucket(matching: host) { bucket in
            bucket.forEachMatch(path: path) { position in
                allow.append(contentsOf: self.routes[position].methods ?? [])
                return true
            }
        }
        return .methodNotAllowed(allow: Self.sortedUnique(allow))
    }

    /// Calls `body` with each bucket whose host pattern matches `host`, most specific first, until it returns false.
    private func forEachBucket(matching host: String, _ body: (RouteBucket) -> Bool) {
        if let bucket = self.exactHosts[host], !body(bucket) {
            return
        }
        if !self.wildcardHosts.isEmpty {
            // "a.b.example.com" falls under ".b.example.com", ".example.com", ".com": the suffixes that start at each
            // dot but a leading one, longest first. At least one byte must come before the suffix.
            let bytes = host.utf8
            var index = bytes.startIndex
            while index != bytes.endIndex {
                if index != bytes.startIndex, bytes[index] == ASCII.dot,
                    let bucket = self.wildcardHosts[host[index...]], !body(bucket)
                {
                    return
                }
                index = bytes.index(after: index)
            }
        }
        _ = body(self.anyHost)
    }

    /// A route's `methods` as matched and listed in `Allow`: uppercased, with `HEAD` where `GET` is (a route that
    /// allows GET allows HEAD, SPEC §9, RFC 9110 §9.3.2), sorted, unique.
    private static func allowedMethods(_ methods: [String]) -> [String] {
        var allowed = methods.map(ASCII.uppercased)
        if allowed.contains("GET") {
            allowed.append("HEAD")
        }
        return sortedUnique(allowed)
    }

    private static func sortedUnique(_ methods: [String]) -> [String] {
        var unique: [String] = []
        unique.reserveCapacity(methods.count)
        for method in methods.sorted() where unique.last != method {
            unique.append(method)
        }
        return unique
    }
}
