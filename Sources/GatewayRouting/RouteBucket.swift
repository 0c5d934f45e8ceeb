/// The routes of one host pattern, indexed by the path they match, so that finding the routes for a request path
/// costs one dictionary look-up per path segment rather than a scan of every route.
struct RouteBucket: Sendable {
    /// The root prefix, which matches every path.
    private static let root: Substring = "/"

    /// `path` routes by their path; positions in file order.
    private var exactPaths: [Substring: [Int]] = [:]
    /// `path_prefix` routes by their prefix without trailing slash (``PathPattern/matchingPath``); positions in
    /// file order.
    private var prefixes: [Substring: [Int]] = [:]

    /// Adds the route at `position`; positions must be added in increasing order.
    mutating func add(_ pattern: PathPattern, position: Int) {
        switch pattern {
        case .exact:
            self.exactPaths[pattern.matchingPath, default: []].append(position)
        case .prefix:
            self.prefixes[pattern.matchingPath, default: []].append(position)
        }
    }

    /// Calls `body` with the position of each route here whose path pattern matches `path`, most specific first:
    /// the longest path (SPEC §9), `path` before a `path_prefix` of the same length, then file order. Stops as
    /// soon as `body` returns false, and then returns false.
    ///
    /// The candidates are the path itself, then each of its segment-wise prefixes from the longest to "/": a prefix
    /// matches exactly when it is one of them (``PathPattern/prefix(_:)``).
    func forEachMatch(path: String, _ body: (Int) -> Bool) -> Bool {
        if let positions = self.exactPaths[path[...]] {
            for position in positions where !body(position) {
                return false
            }
        }
        if self.prefixes.isEmpty {
            return true
        }
        let bytes = path.utf8
        guard let first = bytes.first else {
            return true
        }
        if bytes.last != ASCII.slash, let positions = self.prefixes[path[...]] {
            for position in positions where !body(position) {
                return false
            }
        }
        // "/a/b/c" is covered by "/a/b", "/a" (and "/", below): cut before each "/" but the leading one.
        let second = bytes.index(after: bytes.startIndex)
        var cut = bytes.endIndex
        while cut > second {
            cut = bytes.index(before: cut)
            guard cut != second, bytes[cut] == ASCII.slash, let positions = self.prefixes[path[..<cut]] else {
                continue
            }
            for position in positions where !body(position) {
                return false
            }
        }
        if first == ASCII.slash, let positions = self.prefixes[Self.root] {
            for position in positions where !body(position) {
                return false
            }
        }
        return true
    }
}
