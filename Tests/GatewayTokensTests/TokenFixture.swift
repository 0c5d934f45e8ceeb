import Crypto
import Foundation
import GatewayCredentials
import GatewayPolicy
import GatewayReplay
import GatewayRules
import GatewayTestSupport
import GatewayTokens
import NIOHTTP1
import Testing
import _CryptoExtras

/// Keys, API keys, rules, a policy and an endpoint for the token tests; files in a temporary
/// folder (under the test process's scratch root) removed when the fixture is released. The
/// clock is fixed (`now`).
final class TokenFixture {
    static let now: Int64 = 1_800_000_000
    /// Secrets chosen to be recognisable in any output they might leak into.
    static let acmeSecret = "gk_acme-SECRET-0123456789abcdefghijklmnopq"
    static let globexSecret = "gk_globex-SECRET-0123456789abcdefghijklmn"
    static let disabledSecret = "gk_disabled-SECRET-0123456789abcdefghijk"
    static let expiredSecret = "gk_expired-SECRET-0123456789abcdefghijkl"
    /// An id and a secret with every character RFC 6749 §2.3.1's form encoding changes.
    static let oddID = "odd:id%+ x"
    static let oddSecret = "se:cr%et+ SECRET x"

    let directory: String
    let es256 = P256.Signing.PrivateKey()
    let ed25519 = Curve25519.Signing.PrivateKey()
    let partner = P256.Signing.PrivateKey()
    var keys: [KeyRule] = []

    init() throws {
        self.directory = try ScratchDirectory.make("gateway-tokens").path
        self.keys = [
            KeyRule(
                id: "gw-es256",
                alg: .es256,
                material: .publicKeyFile(self.write("gw-es256.pub.pem", self.es256.publicKey.pemRepresentation)),
                privateKeyFile: self.write("gw-es256.pem", self.es256.pemRepresentation)
            ),
            KeyRule(
                id: "gw-ed25519",
                alg: .eddsa,
                material: .publicKeyFile(self.write("gw-ed25519.pub.pem", self.ed25519.publicKey.pemRepresentation)),
                privateKeyFile: self.write("gw-ed25519.pem", self.ed25519.pemRepresentation)
            ),
            // A key the gateway only verifies with: its tokens are no business of the endpoint.
            KeyRule(
                id: "partner",
                alg: .es256,
                material: .publicKeyFile(self.write("partner.pub.pem", self.partner.publicKey.pemRepresentation))
            ),
        ]
    }

    deinit {
        try? FileManager.default.removeItem(atPath: self.directory)
    }

    func write(_ name: String, _ text: String) -> String {
        let path = self.directory + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    static let apiKeys = [
        APIKeyRule(
            id: "acme",
            hash: APIKeyGenerator.hash(of: acmeSecret),
            scopes: ["orders:read", "orders:write"],
            subject: "acme-corp"
        ),
        APIKeyRule(id: "globex", hash: APIKeyGenerator.hash(of: globexSecret), scopes: ["orders:read"]),
        APIKeyRule(id: "off", hash: APIKeyGenerator.hash(of: disabledSecret), scopes: ["orders:read"], disabled: true),
        APIKeyRule(id: "old", hash: APIKeyGenerator.hash(of: expiredSecret), scopes: ["orders:read"], expires: now - 1),
        APIKeyRule(id: oddID, hash: APIKeyGenerator.hash(of: oddSecret), scopes: ["odd"]),
    ]

    func rules(
        signingKey: String = "gw-es256",
        audience: String? = "orders-api",
        ttl: Duration = .seconds(900)
    ) -> Rules {
        Rules(
            sourcePath: self.directory + "/gateway.conf",
            jwt: JWTRules(leeway: .seconds(30)),
            keys: self.keys,
            apiKeys: Self.apiKeys,
            upstreams: [UpstreamRule(name: "up", targets: [UpstreamTarget(host: "127.0.0.1", port: 9)])],
            routes: [
                RouteRule(name: "orders", path: .prefix("/orders"), upstream: "up", scopes: ["orders:read"]),
                RouteRule(name: "writes", path: .prefix("/writes"), upstream: "up", scopes: ["orders:write"]),
            ],
            tokenEndpoint: TokenEndpointRules(signingKey: signingKey, issuer: "gateway", audience: audience, ttl: ttl)
        )
    }

    /// The policy and the endpoint of one rules load, built as the gateway builds them.
    func load(signingKey: String = "gw-es256", audience: String? = "orders-api") throws -> (Policy, TokenEndpoint) {
        let rules = self.rules(signingKey: signingKey, audience: audience)
        let policy = try Policy(rules: rules)
        let endpoint = try #require(try TokenEndpoint(rules: rules, apiKeys: policy.apiKeyTable))
        return (policy, endpoint)
    }
}

// MARK: Requests

/// RFC 6749 Appendix B: what a client does to an id or a secret before Basic or a form.
func formEncode(_ text: String) -> String {
    var output = ""
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "*"):
            output.append(Character(UnicodeScalar(byte)))
        case UInt8(ascii: " "):
            output.append("+")
        default:
            output += String(format: "%%%02X", byte)
        }
    }
    return output
}

/// `Basic base64(formEncode(id):formEncode(secret))` (RFC 6749 §2.3.1).
func basic(_ id: String, _ secret: String) -> String {
    "Basic " + Data((formEncode(id) + ":" + formEncode(secret)).utf8).base64EncodedString()
}

/// A form body from pairs, each name and value form-encoded.
func form(_ pairs: [(String, String)]) -> [UInt8] {
    Array(pairs.map { formEncode($0.0) + "=" + formEncode($0.1) }.joined(separator: "&").utf8)
}

func tokenRequest(
    method: String = "POST",
    contentType: [String] = ["application/x-www-form-urlencoded"],
    authorization: [String] = [basic("acme", TokenFixture.acmeSecret)],
    _ pairs: [(String, String)] = [("grant_type", "client_credentials")]
) -> TokenEndpointRequest {
    TokenEndpointRequest(method: method, contentType: contentType, authorization: authorization, body: form(pairs))
}

extension TokenEndpoint {
    /// `answer` at the fixture's clock with a seeded generator.
    func answer(
        _ operation: Operation,
        _ request: TokenEndpointRequest,
        now: Int64 = TokenFixture.now,
        seed: UInt64 = 1
    ) -> TokenEndpointOutcome {
        var random = SplitMix64(seed: seed)
        return self.answer(operation, to: request, now: now, random: &random)
    }

    /// Issues a token to `id` (Basic), or fails the test.
    func issue(
        _ id: String = "acme",
        _ secret: String = TokenFixture.acmeSecret,
        scope: String? = nil,
        now: Int64 = TokenFixture.now
    ) throws -> String {
        var pairs = [("grant_type", "client_credentials")]
        if let scope { pairs.append(("scope", scope)) }
        // The system's generator: every token its own jti.
        let response = self.answer(.issue, to: tokenRequest(authorization: [basic(id, secret)], pairs), now: now)
            .response
        try #require(response.status == 200)
        return try #require(response.json["access_token"] as? String)
    }
}

// MARK: Responses

extension TokenEndpointResponse {
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(self.body))) as? [String: Any] ?? [:]
    }

    func header(_ name: String) -> String? {
        self.headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    /// Everything of the response a log or a client could see, as text.
    var everything: String {
        "\(self.status) \(self.headers) \(String(decoding: self.body, as: UTF8.self)) \(self.audit)"
    }
}

/// The policy's decision for a GET of `path` with a bearer token.
func decide(
    _ policy: Policy,
    _ path: String,
    bearer token: String,
    now: Int64 = TokenFixture.now,
    cache: PolicyTokenCache? = nil
) -> Decision {
    policy.decide(
        PolicyRequest(
            method: .GET,
            target: path,
            host: "api.example",
            headers: HTTPHeaders([("Authorization", "Bearer \(token)")])
        ),
        context: PolicyContext(now: now, tokenCache: cache)
    )
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
