/// The routes of one host pattern, indexed by the path they match, so that finding the routes for a request path
/// costs at most one dictionary look-up per path segment rather than a scan of every route.
struct RouteBucket: Sendable {
    /// `path` routes by their path; positions in file order.
    private var exactPaths: [Substring: [Int]] = [:]
    /// `path_prefix` routes other than "/" by their prefix without trailing slash (``PathPattern/matchingPath``);
    /// positions in file order.
    private var prefixes: [Substring: [Int]] = [:]
    /// `path_prefix = "/"` routes, which match every path; positions in file order.
    private var rootPrefix: [Int] = []
    /// `exactPathLengths[n]`: some key of `exactPaths` is `n` bytes long. Lets most requests skip hashing.
    private var exactPathLengths: [Bool] = []
    /// `prefixLengths[n]`: some key of `prefixes` is `n` bytes long.
    private var prefixLengths: [Bool] = []

    /// Adds the route at `position`; positions must be added in increasing order.
    mutating func add(_ pattern: PathPattern, position: Int) {
        let key = pattern.matchingPath
        switch pattern {
        case .exact:
            self.exactPaths[key, default: []].append(position)
            Self.mark(key.utf8.count, in: &self.exactPathLengths)
        case .prefix:
            if key == "/" {
                self.rootPrefix.append(position)
            } else {
                self.prefixes[key, default: []].append(position)
                Self.mark(key.utf8.count, in: &self.prefixLengths)
            }
        }
    }

    /// Calls `body` with the position of each route here whose path pattern matches `path`, most specific first:
    /// the longest path (SPEC §9), `path` before a `path_prefix` of the same length, then file order. Stops as
    /// soon as `body` returns false, and then returns false.
    ///
    /// The candidates are the path itself, then each of its segment-wise prefixes from the longest to "/": a prefix
    /// matches exactly when it is one of them (``PathPattern/prefix(_:)``).
    func forEachMatch(path: String, _ body: (Int) -> Bool) -> Bool {
        let bytes = path.utf8
        let length = bytes.count
        if Self.isMarked(length, in: self.exactPathLengths), let positions = self.exactPaths[path[...]] {
            for position in positions where !body(position) {
                return false
            }
        }
        guard let first = bytes.first else {
            return true
        }
        if !self.prefixes.isEmpty {
            // "/a/b/c" is covered by "/a/b/c", "/a/b", "/a" (and "/", below): the whole path unless it ends with
            // "/", then the part before each "/" but the leading one.
            var cut = bytes.endIndex
            var cutLength = length
            if bytes.last == ASCII.slash {
                cut = bytes.index(before: cut)
                cutLength -= 1
            }
            while cutLength > 1 {
                if Self.isMarked(cutLength, in: self.prefixLengths), let positions = self.prefixes[path[..<cut]] {
                    for position in positions where !body(position) {
                        return false
                    }
                }
                repeat {
                    cut = bytes.index(before: cut)
                    cutLength -= 1
                } while cutLength > 1 && bytes[cut] != ASCII.slash
            }
        }
        if first == ASCII.slash {
            for position in self.rootPrefix where !body(position) {
                return false
            }
        }
        return true
    }

    private static func mark(_ length: Int, in lengths: inout [Bool]) {
        if length >= lengths.count {
            lengths.append(contentsOf: repeatElement(false, count: length + 1 - lengths.count))
        }
        lengths[length] = true
    }

    @inline(__always)
    private static func isMarked(_ length: Int, in lengths: [Bool]) -> Bool {
        length < lengths.count && lengths[length]
    }
}
