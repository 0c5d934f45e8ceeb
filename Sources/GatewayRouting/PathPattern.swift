/// Path part of a route.
///
/// Request paths are matched once normalised by ``PathNormalizer``, so a configured path should be normalised the
/// same way: build patterns from rules-file values with ``init(path:)`` and ``init(pathPrefix:)``. Matching is
/// case-sensitive, as paths are (RFC 3986 §6.2.2.1).
public enum PathPattern: Hashable, Sendable {
    /// `path = "/exact"`: that path only.
    case exact(String)
    /// `path_prefix = "/orders"`: matches whole segments: /orders, /orders/, /orders/1 — never /ordersX. "/"
    /// matches everything. A trailing "/" in the configured prefix is ignored for matching except for "/".
    case prefix(String)

    /// The pattern of a rules-file `path` value, normalised as a request path is.
    public init(path: String) throws(BadPath) {
        self = .exact(try PathNormalizer.normalize(path).get())
    }

    /// The pattern of a rules-file `path_prefix` value, normalised as a request path is.
    public init(pathPrefix: String) throws(BadPath) {
        self = .prefix(try PathNormalizer.normalize(pathPrefix).get())
    }

    /// Whether a request path, as ``PathNormalizer`` gives it, falls under this pattern.
    public func matches(_ normalizedPath: String) -> Bool {
        switch self {
        case .exact(let path):
            return normalizedPath.utf8.elementsEqual(path.utf8)
        case .prefix(let prefix):
            return Self.matchedLength(of: Self.matchingPrefix(prefix), in: normalizedPath) != nil
        }
    }

    /// What `strip_prefix` leaves of a matched path: "/orders/1" with prefix "/orders" → "/1"; "/orders" → "/".
    /// For .exact, "/". A path the pattern does not match is returned unchanged.
    public func strip(from normalizedPath: String) -> String {
        switch self {
        case .exact(let path):
            return normalizedPath.utf8.elementsEqual(path.utf8) ? "/" : normalizedPath
        case .prefix(let prefix):
            let prefix = Self.matchingPrefix(prefix)
            guard let end = Self.matchedLength(of: prefix, in: normalizedPath) else {
                return normalizedPath
            }
            // The prefix ends before a "/" or at the end of the path: what follows is "/…" or nothing.
            let rest = normalizedPath.utf8.dropFirst(end)
            return rest.isEmpty ? "/" : String(Substring(rest))
        }
    }

    /// The part of the configured path or prefix that matching compares: the prefix without trailing slashes
    /// ("/" stays "/"). Its length ranks routes (SPEC §9 "Routing": the longest path wins).
    var matchingPath: Substring {
        switch self {
        case .exact(let path):
            path[...]
        case .prefix(let prefix):
            Self.matchingPrefix(prefix)
        }
    }

    /// `prefix` without its trailing slashes, or "/" when nothing else is left.
    static func matchingPrefix(_ prefix: String) -> Substring {
        var end = prefix.utf8.endIndex
        while end != prefix.utf8.startIndex {
            let before = prefix.utf8.index(before: end)
            guard prefix.utf8[before] == ASCII.slash else {
                break
            }
            end = before
        }
        return end == prefix.utf8.startIndex ? "/" : prefix[..<end]
    }

    /// How many bytes of `path` the segment-wise `prefix` (without trailing slash) covers, or nil if it does not
    /// match: `path` starts with `prefix` and continues with "/" or ends there; "/" matches every path.
    static func matchedLength(of prefix: Substring, in path: String) -> Int? {
        let prefixBytes = prefix.utf8
        if prefixBytes.count == 1, prefixBytes.first == ASCII.slash {
            return path.utf8.first == ASCII.slash ? 0 : nil
        }
        let pathBytes = path.utf8
        guard pathBytes.starts(with: prefixBytes) else {
            return nil
        }
        let end = pathBytes.index(pathBytes.startIndex, offsetBy: prefixBytes.count)
        guard end == pathBytes.endIndex || pathBytes[end] == ASCII.slash else {
            return nil
        }
        return prefixBytes.count
    }
}
