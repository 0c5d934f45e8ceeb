/// What ``RouteTable`` knows of its routes apart from their payloads: which route a request goes to, by position.
///
/// Kept free of the payload's generic parameter so that the per-request path runs as concrete, specialised code
/// even when called from another module, without generic metadata look-ups. A final class of constants: built once
/// per rules load and shared by every event loop, copied by reference, never mutated.
@usableFromInline
final class RouteIndex: Sendable {
    /// The outcome of a look-up (see ``RouteMatch``), by route position.
    @usableFromInline
    enum Lookup: Equatable, Sendable {
        case route(Int)
        case methodNotAllowed(allow: [String])
        case noRoute
    }

    /// The routes' `methods`, by position.
    private let methods: MethodTable
    /// The routes of each host pattern; the first holds the routes without `host`.
    private let buckets: [RouteBucket]
    /// Bucket of each exact `host`.
    private let exactHosts: [String: Int]
    /// Bucket of each wildcard `host`, by suffix (".example.com").
    private let wildcardHosts: [Substring: Int]
    /// `wildcardSuffixLengths[n]`: some key of `wildcardHosts` is `n` bytes long. Lets most requests skip hashing.
    private let wildcardSuffixLengths: [Bool]

    private static let anyHostBucket = 0

    /// Indexes routes given in file order.
    ///
    /// Host patterns and methods are folded here once more (lowercase hosts, uppercase methods), so that entries
    /// built by hand compare like those parsed from a rules file.
    init(_ routes: [(host: HostPattern, path: PathPattern, methods: [String]?)]) {
        var buckets = [RouteBucket()]
        var exactHosts: [String: Int] = [:]
        var wildcardHosts: [Substring: Int] = [:]
        for (position, route) in routes.enumerated() {
            let bucket: Int
            switch route.host {
            case .any:
                bucket = Self.anyHostBucket
            case .exact(let host):
                bucket = Self.bucket(for: ASCII.lowercased(host[...]), in: &exactHosts, buckets: &buckets)
            case .wildcard(let suffix):
                var suffix = ASCII.lowercased(suffix[...])
                if suffix.utf8.first != ASCII.dot {
                    suffix = "." + suffix
                }
                bucket = Self.bucket(for: suffix[...], in: &wildcardHosts, buckets: &buckets)
            }
            buckets[bucket].add(route.path, position: position)
        }
        var wildcardSuffixLengths = [Bool](
            repeating: false,
            count: (wildcardHosts.keys.lazy.map(\.utf8.count).max() ?? 0) + 1
        )
        for suffix in wildcardHosts.keys {
            wildcardSuffixLengths[suffix.utf8.count] = true
        }
        self.methods = MethodTable(routes.map(\.methods))
        self.buckets = buckets
        self.exactHosts = exactHosts
        self.wildcardHosts = wildcardHosts
        self.wildcardSuffixLengths = wildcardSuffixLengths
    }

    /// The route for a request, by the rules of ``RouteTable``.
    @usableFromInline
    func match(host: String, path: String, method: String) -> Lookup {
        let methodBit = self.methods.bit(of: method)
        var chosen: Int?
        var pathMatched = false
        self.forEachBucket(matching: host) { bucket in
            self.buckets[bucket].forEachMatch(path: path) { position in
                pathMatched = true
                guard self.methods.allows(route: position, bit: methodBit) else {
                    return true
                }
                chosen = position
                return false
            }
        }
        if let chosen {
            return .route(chosen)
        }
        guard pathMatched else {
            return .noRoute
        }
        // 405: the `Allow` field lists the methods of every route that matches host and path (SPEC §9).
        var matched: [Int] = []
        self.forEachBucket(matching: host) { bucket in
            self.buckets[bucket].forEachMatch(path: path) { position in
                matched.append(position)
                return true
            }
        }
        return .methodNotAllowed(allow: self.methods.allowed(byRoutes: matched))
    }

    /// Calls `body` with each bucket whose host pattern matches `host`, most specific first, until it returns false.
    private func forEachBucket(matching host: String, _ body: (Int) -> Bool) {
        if let bucket = self.exactHosts[host], !body(bucket) {
            return
        }
        if !self.wildcardHosts.isEmpty {
            // "a.b.example.com" falls under ".b.example.com", ".example.com", ".com": the suffixes that start at each
            // dot but a leading one, longest first. At least one byte must come before the suffix.
            let bytes = host.utf8
            var index = bytes.startIndex
            var suffixLength = bytes.count
            while suffixLength > 1 {
                index = bytes.index(after: index)
                suffixLength -= 1
                if bytes[index] == ASCII.dot, suffixLength < self.wildcardSuffixLengths.count,
                    self.wildcardSuffixLengths[suffixLength], let bucket = self.wildcardHosts[host[index...]],
                    !body(bucket)
                {
                    return
                }
            }
        }
        _ = body(Self.anyHostBucket)
    }

    private static func bucket<Key: Hashable>(
        for key: Key,
        in index: inout [Key: Int],
        buckets: inout [RouteBucket]
    ) -> Int {
        if let bucket = index[key] {
            return bucket
        }
        buckets.append(RouteBucket())
        index[key] = buckets.count - 1
        return buckets.count - 1
    }
}
