/// The `methods` of every route as bit sets over the methods the rules name, so that checking a request's method
/// against a route is a bit test, and the 405 `Allow` union (SPEC §9) is an OR whose bits come out sorted.
struct MethodTable: Sendable {
    /// Every method some route names, uppercased, sorted, unique; a method's bit is its index here.
    private let names: [String]
    /// 64-bit words per route.
    private let wordsPerRoute: Int
    /// The bits of route `r` are `words[r * wordsPerRoute ..< (r + 1) * wordsPerRoute]`.
    private let words: [UInt64]
    /// Routes without `methods`, which allow every method, named or not.
    private let allowsAll: [Bool]

    /// `methods` per route in file order; nil = all methods. Names are uppercased, and `GET` brings `HEAD`
    /// (SPEC §9 "A route that allows GET allows HEAD", RFC 9110 §9.3.2).
    init(_ methods: [[String]?]) {
        let perRoute = methods.map { $0.map(Self.allowedMethods) }
        var names: [String] = []
        for routeMethods in perRoute {
            names.append(contentsOf: routeMethods ?? [])
        }
        names = Self.sortedUnique(names)
        let wordsPerRoute = max(1, (names.count + 63) / 64)
        var words = [UInt64](repeating: 0, count: wordsPerRoute * methods.count)
        for (route, routeMethods) in perRoute.enumerated() {
            for name in routeMethods ?? [] {
                let bit = Self.lowerBound(of: name, in: names)
                words[route * wordsPerRoute + bit / 64] |= 1 << UInt64(bit % 64)
            }
        }
        self.names = names
        self.wordsPerRoute = wordsPerRoute
        self.words = words
        self.allowsAll = perRoute.map { $0 == nil }
    }

    /// The bit of a request method, or nil when no route names it (then only routes without `methods` allow it).
    func bit(of method: String) -> Int? {
        let bit = Self.lowerBound(of: method, in: self.names)
        return bit < self.names.count && self.names[bit] == method ? bit : nil
    }

    /// Whether the route at `route` allows the method whose ``bit(of:)`` is `bit`.
    @inline(__always)
    func allows(route: Int, bit: Int?) -> Bool {
        if self.allowsAll[route] {
            return true
        }
        guard let bit else {
            return false
        }
        return self.words[route * self.wordsPerRoute + bit / 64] & (1 << UInt64(bit % 64)) != 0
    }

    /// The methods of all the given routes, sorted and unique: the `Allow` field of a 405 (RFC 9110 §10.2.1).
    func allowed(byRoutes routes: [Int]) -> [String] {
        var union = [UInt64](repeating: 0, count: self.wordsPerRoute)
        for route in routes {
            for word in 0..<self.wordsPerRoute {
                union[word] |= self.words[route * self.wordsPerRoute + word]
            }
        }
        var allowed: [String] = []
        for (bit, name) in self.names.enumerated() where union[bit / 64] & (1 << UInt64(bit % 64)) != 0 {
            allowed.append(name)
        }
        return allowed
    }

    /// A route's `methods` as matched: uppercased, with `HEAD` where `GET` is, sorted, unique.
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

    /// The index of the first name not less than `name` in the sorted `names`.
    private static func lowerBound(of name: String, in names: [String]) -> Int {
        var low = 0
        var high = names.count
        while low < high {
            let middle = (low + high) / 2
            if names[middle] < name {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low
    }
}
