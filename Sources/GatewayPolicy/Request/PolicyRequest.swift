public import NIOHTTP1

/// The request head as the policy sees it: nothing the policy needs is read from a socket.
public struct PolicyRequest: Sendable {
    public var method: HTTPMethod
    /// The request target exactly as received (origin form: path and query).
    public var target: String
    /// The normalised `Host` (lowercased, no port), or nil when absent.
    public var host: String?
    public var headers: HTTPHeaders
    /// Whether the downstream connection is TLS (for `@scheme` and `X-Forwarded-Proto`).
    public var isSecure: Bool

    public init(method: HTTPMethod, target: String, host: String?, headers: HTTPHeaders, isSecure: Bool = false) {
        self.method = method
        self.target = target
        self.host = host
        self.headers = headers
        self.isSecure = isSecure
    }

    /// Whether the request declares a body (`Content-Length` above zero, or `Transfer-Encoding`).
    public var hasBody: Bool {
        if self.headers.contains(name: "transfer-encoding") { return true }
        return (self.headers.first(name: "content-length").flatMap(Int.init) ?? 0) > 0
    }

    /// The path part of the target (before `?`).
    public var rawPath: Substring {
        if let mark = self.target.utf8.firstIndex(of: UInt8(ascii: "?")) { return self.target[..<mark] }
        return self.target[...]
    }

    /// The query string including its `?`, or empty.
    public var rawQuery: Substring {
        if let mark = self.target.utf8.firstIndex(of: UInt8(ascii: "?")) { return self.target[mark...] }
        return ""
    }
}
