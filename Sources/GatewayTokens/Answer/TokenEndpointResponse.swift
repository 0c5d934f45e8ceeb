import GatewayCredentials
import GatewayPolicy

/// A complete answer of the token endpoint: status, header fields, body, and what to audit.
///
/// The proxy writes it as given and adds only what every response of the gateway carries
/// (`Content-Length`, `Date`, `X-Request-Id`, `Connection`). Every answer has `Cache-Control:
/// no-store` and `Pragma: no-cache` (RFC 6749 §5.1, §5.2); every 401 has `WWW-Authenticate:
/// Basic realm="gateway"` (RFC 6749 §5.2, RFC 9110 §15.5.2); the 405 has `Allow: POST`.
public struct TokenEndpointResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    public var audit: TokenAudit

    public init(status: Int, headers: [(String, String)], body: [UInt8], audit: TokenAudit) {
        self.status = status
        self.headers = headers
        self.body = body
        self.audit = audit
    }

    /// RFC 6749 §5.1: the issued token.
    static func issued(token: String, expiresIn: Int64, scopes: [String], identity: Identity) -> TokenEndpointResponse {
        var json = JSONWriter()
        json.member("access_token", string: token)
        json.member("token_type", string: "Bearer")
        json.member("expires_in", integer: expiresIn)
        json.member("scope", string: scopes.joined(separator: " "))
        return TokenEndpointResponse(
            status: 200,
            headers: [("Content-Type", "application/json")] + Self.noStore,
            body: json.finish(),
            audit: TokenAudit(reason: nil, identity: identity)
        )
    }

    /// RFC 7009 §2.2: 200 whether or not there was anything to revoke; the body is empty (the
    /// client ignores it).
    static func revoked(identity: Identity) -> TokenEndpointResponse {
        TokenEndpointResponse(
            status: 200,
            headers: Self.noStore,
            body: [],
            audit: TokenAudit(reason: nil, identity: identity)
        )
    }

    /// RFC 6749 §5.2 (RFC 7009 §2.2.1): `{"error":…,"error_description":…}`.
    static func refused(_ error: TokenError, identity: Identity?) -> TokenEndpointResponse {
        var json = JSONWriter()
        json.member("error", string: error.oauthError)
        json.member("error_description", string: error.description.description)
        var headers = [("Content-Type", "application/json")] + Self.noStore
        switch error.reason {
        case .invalidClient: headers.append(("WWW-Authenticate", #"Basic realm="gateway""#))
        case .methodNotAllowed: headers.append(("Allow", "POST"))
        default: break
        }
        return TokenEndpointResponse(
            status: error.reason.status,
            headers: headers,
            body: json.finish(),
            audit: TokenAudit(reason: error.reason, identity: identity)
        )
    }

    private static let noStore = [("Cache-Control", "no-store"), ("Pragma", "no-cache")]
}
