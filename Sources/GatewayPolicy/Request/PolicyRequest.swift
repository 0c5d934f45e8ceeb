public import NIOHTTP1
import GatewayRules

/// The request head as the policy sees it: nothing the policy needs is read from a socket.
///
/// Generic over where the fields live (`RequestFields`), so the proxy hands its parsed bytes to
/// the policy without copying a field into a `String`.
public struct PolicyRequest<Fields: RequestFields> {
    /// The method token as received (`GET`, `POST`, …).
    public var method: String
    /// The request target exactly as received (origin form: path and query).
    public var target: String
    /// The normalised `Host` (lowercased, no port), or nil when absent.
    public var host: String?
    public var fields: Fields
    /// Whether the request has a body by its framing (SPEC §9 "Bodies and methods"):
    /// `Content-Length` above 0 or chunked in HTTP/1.1, a HEADERS frame without END_STREAM in
    /// HTTP/2 — whatever the method.
    public var hasBody: Bool
    /// Whether the downstream connection is TLS (for `@scheme` and `X-Forwarded-Proto`).
    public var isSecure: Bool

    public init(method: String, target: String, host: String?, fields: Fields, hasBody: Bool, isSecure: Bool = false) {
        self.method = method
        self.target = target
        self.host = host
        self.fields = fields
        self.hasBody = hasBody
        self.isSecure = isSecure
    }

    /// The path part of the target (before `?`).
    public var rawPath: Substring {
        self.target.targetPath
    }

    /// The query string including its `?`, or empty.
    public var rawQuery: Substring {
        self.target.targetQuery
    }
}

extension PolicyRequest: Sendable where Fields: Sendable {}

extension PolicyRequest where Fields == HTTPHeaders {
    /// A request whose fields are `HTTPHeaders` (`gateway explain`, tests); it has a body when
    /// they declare one (`Content-Length` above zero, or `Transfer-Encoding`).
    public init(method: HTTPMethod, target: String, host: String?, headers: HTTPHeaders, isSecure: Bool = false) {
        let declaresBody = headers.contains(name: "transfer-encoding")
            || (headers.first(name: "content-length").flatMap(Int.init) ?? 0) > 0
        self.init(method: method.rawValue, target: target, host: host, fields: headers, hasBody: declaresBody, isSecure: isSecure)
    }

    public var headers: HTTPHeaders { self.fields }
}
