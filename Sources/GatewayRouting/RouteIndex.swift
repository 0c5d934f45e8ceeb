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
    private let exactHosts: ByteKeyTable<Int>
    /// Bucket of each wildcard `host`, by suffix (".example.com").
    private let wildcardHosts: ByteKeyTable<Int>

    private static let anyHostBucket = 0

    /// Indexes routes given in file order.
    ///
    /// Host patterns and methods are folded here once more (lowercase hosts, uppercase methods), so that entries
    /// built by hand compare like those parsed from a rules file.
    init(_ routes: [(host: HostPattern, path: PathPattern, methods: [String]?)]) {
        var buckets = [RouteBucket.Builder()]
        var exactHosts: [[UInt8]: Int] = [:]
        var wildcardHosts: [[UInt8]: Int] = [:]
        for (position, route) in routes.enumerated() {
            let bucket: Int
            switch route.host {
            case .any:
                bucket = Self.anyHostBucket
            case .exact(let host):
                bucket = Self.bucket(for: Array(ASCII.lowercased(host[...]).utf8), in: &exactHosts, buckets: &buckets)
            case .wildcard(let suffix):
                var suffix = ASCII.lowercased(suffix[...])
                if suffix.utf8.first != ASCII.dot {
                    suffix = "." + suffix
                }
                bucket = Self.bucket(for: Array(suffix.utf8), in: &wildcardHosts, buckets: &buckets)
            }
            buckets[bucket].add(route.path, position: position)
        }
        self.methods = MethodTable(routes.map(\.methods))
        self.buckets = buckets.map(RouteBucket.init)
        self.exactHosts = ByteKeyTable(exactHosts.map { (key: $0.key, value: $0.value) })
        self.wildcardHosts = ByteKeyTable(wildcardHosts.map { (key: $0.key, value: $0.value) })
    }

    /// The route for a request, by the rules of ``RouteTable``.
    @usableFromInline
    func match(host: String, path: String, method: String) -> Lookup {
        let methodBit = self.methods.bit(of: method)
        var host = host
        var path = path
        return host.withUTF8 { host in
            path.withUTF8 { path in
                self.match(host: UnsafeRawBufferPointer(host), path: UnsafeRawBufferPointer(path), methodBit: methodBit)
            }
        }
    }

    private func match(host: UnsafeRawBufferPointer, path: UnsafeRawBufferPointer, methodBit: Int?) -> Lookup {
        var chosen: Int?
        var pathMatched = false
        self.forEachBucket(matching: host) { bucket in
            bucket.forEachMatch(path: path) { position in
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
            bucket.forEachMatch(path: path) { position in
                matched.append(position)
                return true
            }
        }
        return .methodNotAllowed(allow: self.methods.allowed(byRoutes: matched))
    }

    /// Calls `body` with each bucket whose host pattern matches `host` (its UTF-8 bytes), most specific first,
    /// until it returns false.
    private func forEachBucket(matching host: UnsafeRawBufferPointer, _ body: (RouteBucket) -> Bool) {
        if let bucket = self.exactHosts.value(for: host), !body(self.buckets[bucket]) {
            return
        }
        if !self.wildcardHosts.isEmpty {
            // "a.b.example.com" falls under ".b.example.com", ".example.com", ".com": the suffixes that start at each
            // dot but a leading one, longest first. At least one byte must come before the suffix.
            var index = 0
            var suffixLength = host.count
            while suffixLength > 1 {
                index += 1
                suffixLength -= 1
                if host[index] == ASCII.dot,
                    let bucket = self.wildcardHosts.value(for: UnsafeRawBufferPointer(rebasing: host[index...])),
                    !body(self.buckets[bucket])
                {
                    return
                }
            }
        }
        _ = body(self.buckets[Self.anyHostBucket])
    }

    private static func bucket<Key: Hashable>(
        for key: Key,
        in index: inout [Key: Int],
        buckets: inout [RouteBucket.Builder]
    ) -> Int {
        if let bucket = index[key] {
            return bucket
        }
        buckets.append(RouteBucket.Builder())
        index[key] = buckets.count - 1
        return buckets.count - 1
    }
}
