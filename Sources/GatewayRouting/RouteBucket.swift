/// The routes of one host pattern, indexed by the path they match, so that finding the routes for a request path
/// costs at most one table look-up per path segment rather than a scan of every route.
///
/// A final class of constants, built once per rules load by a ``Builder``: a request reaches it through one
/// reference, not by copying its tables out of the index's array.
final class RouteBucket: Sendable {
    /// Collects a bucket's routes in file order.
    struct Builder {
        fileprivate var exactPaths: [[UInt8]: [Int]] = [:]
        fileprivate var prefixes: [[UInt8]: [Int]] = [:]
        fileprivate var rootPrefix: [Int] = []

        /// Adds the route at `position`; positions must be added in increasing order.
        mutating func add(_ pattern: PathPattern, position: Int) {
            let key = Array(pattern.matchingPath.utf8)
            switch pattern {
            case .exact:
                self.exactPaths[key, default: []].append(position)
            case .prefix:
                if key == [ASCII.slash] {
                    self.rootPrefix.append(position)
                } else {
                    self.prefixes[key, default: []].append(position)
                }
            }
        }
    }

    /// `path` routes by their path: a range of `positions`, in file order.
    private let exactPaths: ByteKeyTable<Range<Int>>
    /// `path_prefix` routes other than "/" by their prefix without trailing slash (``PathPattern/matchingPath``):
    /// a range of `positions`, in file order.
    private let prefixes: ByteKeyTable<Range<Int>>
    private let positions: [Int]
    /// `path_prefix = "/"` routes, which match every path; positions in file order.
    private let rootPrefix: [Int]

    init(_ builder: Builder) {
        var positions: [Int] = []
        func table(_ routes: [[UInt8]: [Int]]) -> ByteKeyTable<Range<Int>> {
            var pairs: [(key: [UInt8], value: Range<Int>)] = []
            for (key, keyPositions) in routes {
                pairs.append((key, positions.count..<positions.count + keyPositions.count))
                positions.append(contentsOf: keyPositions)
            }
            return ByteKeyTable(pairs)
        }
        self.exactPaths = table(builder.exactPaths)
        self.prefixes = table(builder.prefixes)
        self.positions = positions
        self.rootPrefix = builder.rootPrefix
    }

    /// Calls `body` with the position of each route here whose path pattern matches `path` (its UTF-8 bytes), most
    /// specific first: the longest path (SPEC §9), `path` before a `path_prefix` of the same length, then file
    /// order. Stops as soon as `body` returns false, and then returns false.
    ///
    /// The candidates are the path itself, then each of its segment-wise prefixes from the longest to "/": a prefix
    /// matches exactly when it is one of them (``PathPattern/prefix(_:)``).
    func forEachMatch(path: UnsafeRawBufferPointer, _ body: (Int) -> Bool) -> Bool {
        let length = path.count
        if let range = self.exactPaths.value(for: path) {
            for position in self.positions[range] where !body(position) {
                return false
            }
        }
        guard let first = path.first else {
            return true
        }
        if !self.prefixes.isEmpty {
            // "/a/b/c" is covered by "/a/b/c", "/a/b", "/a" (and "/", below): the whole path unless it ends with
            // "/", then the part before each "/" but the leading one.
            var cutLength = path.last == ASCII.slash ? length - 1 : length
            while cutLength > 1 {
                if let range = self.prefixes.value(for: UnsafeRawBufferPointer(rebasing: path[..<cutLength])) {
                    for position in self.positions[range] where !body(position) {
                        return false
                    }
                }
                repeat {
                    cutLength -= 1
                } while cutLength > 1 && path[cutLength] != ASCII.slash
            }
        }
        if first == ASCII.slash {
            for position in self.rootPrefix where !body(position) {
                return false
            }
        }
        return true
    }
}
