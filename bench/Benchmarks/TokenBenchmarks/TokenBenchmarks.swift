import Benchmark
import Crypto
import Foundation
import GatewayCredentials
import GatewayPolicy
import GatewayRules
import GatewayTokens
import _CryptoExtras

// The token endpoint on one core: tokens issued per second with an ES256 and an EdDSA signing
// key (`TokenEndpoint.answer` for a whole request — form and Basic parsing, the API key lookup,
// the signature and the JSON answer), the signature alone for comparison, and a revocation
// (verification of the presented token included). One thread, no sockets.
//
// Keys are generated at start into a temporary folder (the endpoint reads its private key file,
// as the gateway does); results: bench/RESULTS-tokens.md.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        timeUnits: .microseconds,
        warmupIterations: 20,
        maxDuration: .seconds(3),
        maxIterations: 100_000
    )
    let fixtures = TokenFixtures.shared
    let now = fixtures.now

    for (label, endpoint) in [("ES256", fixtures.es256), ("EdDSA", fixtures.eddsa)] {
        let request = fixtures.issueRequest
        // Checked once: the benchmark measures successful issues only.
        guard endpoint.answer(.issue, to: request, now: now).response.status == 200 else {
            fatalError("the \(label) endpoint refused the token request")
        }
        Benchmark("Token issue \(label) (whole answer, Basic)") { benchmark in
            var random = SystemRandomNumberGenerator()
            for _ in benchmark.scaledIterations {
                blackHole(endpoint.answer(.issue, to: request, now: now, random: &random))
            }
        }
    }

    for (label, signer) in [("ES256", fixtures.es256Signer), ("EdDSA", fixtures.eddsaSigner)] {
        let claims = fixtures.claims
        Benchmark("JWT sign \(label) (signature and encoding only)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try? signer.sign(claims, privateClaims: [(name: "client_id", value: "bench")]))
            }
        }
    }

    for (label, endpoint) in [("ES256", fixtures.es256), ("EdDSA", fixtures.eddsa)] {
        guard let token = endpoint.answer(.issue, to: fixtures.issueRequest, now: now).response.accessToken else {
            fatalError("no token to revoke")
        }
        let request = fixtures.revokeRequest(token)
        guard case .revokeThenRespond = endpoint.answer(.revoke, to: request, now: now) else {
            fatalError("the \(label) token was not revocable")
        }
        Benchmark("Token revoke \(label) (whole answer, before the store)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(endpoint.answer(.revoke, to: request, now: now))
            }
        }
    }
}

/// Two endpoints over one set of rules, one per signing key.
final class TokenFixtures: Sendable {
    static let shared = TokenFixtures()

    let now = Int64(Date().timeIntervalSince1970)
    static let apiKey = "gk_benchmark-key-0123456789abcdefghijklmnopqrstu"
    let es256: TokenEndpoint
    let eddsa: TokenEndpoint
    let es256Signer: JWTSigner
    let eddsaSigner: JWTSigner

    private init() {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-token-bench-\(getpid())")
        try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func write(_ name: String, _ text: String) -> String {
            let path = directory.appendingPathComponent(name).path
            try! text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let p256 = P256.Signing.PrivateKey()
        let ed25519 = Curve25519.Signing.PrivateKey()
        let keys = [
            KeyRule(
                id: "bench-es256",
                alg: .es256,
                material: .publicKeyFile(write("es256.pub.pem", p256.publicKey.pemRepresentation)),
                privateKeyFile: write("es256.pem", p256.pemRepresentation)
            ),
            KeyRule(
                id: "bench-eddsa",
                alg: .eddsa,
                material: .publicKeyFile(write("eddsa.pub.pem", ed25519.publicKey.pemRepresentation)),
                privateKeyFile: write("eddsa.pem", ed25519.pemRepresentation)
            ),
        ]
        func endpoint(_ signingKey: String) -> TokenEndpoint {
            let rules = Rules(
                sourcePath: directory.appendingPathComponent("bench.conf").path,
                keys: keys,
                apiKeys: [
                    APIKeyRule(
                        id: "bench",
                        hash: APIKeyGenerator.hash(of: Self.apiKey),
                        scopes: ["bench:read", "bench:write"]
                    )
                ],
                upstreams: [UpstreamRule(name: "bench", targets: [UpstreamTarget(host: "127.0.0.1", port: 18080)])],
                routes: [RouteRule(name: "api", path: .prefix("/api"), upstream: "bench")],
                tokenEndpoint: TokenEndpointRules(signingKey: signingKey, issuer: "gateway", audience: "bench-api")
            )
            let policy = try! Policy(rules: rules)
            return try! TokenEndpoint(rules: rules, apiKeys: policy.apiKeyTable)!
        }
        self.es256 = endpoint("bench-es256")
        self.eddsa = endpoint("bench-eddsa")
        self.es256Signer = try! JWTSigner(keyRule: keys[0], keyPath: "keys[1]")
        self.eddsaSigner = try! JWTSigner(keyRule: keys[1], keyPath: "keys[2]")
    }

    /// What `answer` signs: the claims of an issued token.
    var claims: JWTClaims {
        JWTClaims(
            iss: "gateway",
            sub: "bench",
            aud: ["bench-api"],
            exp: self.now + 900,
            iat: self.now,
            jti: "AAAAAAAAAAAAAAAAAAAAAA",
            scopes: ["bench:read", "bench:write"],
            scopeClaim: "scope"
        )
    }

    var basic: String { "Basic " + Data("bench:\(Self.apiKey)".utf8).base64EncodedString() }

    var issueRequest: TokenEndpointRequest {
        TokenEndpointRequest(
            method: "POST",
            contentType: ["application/x-www-form-urlencoded"],
            authorization: [self.basic],
            body: Array("grant_type=client_credentials&scope=bench%3Aread".utf8)
        )
    }

    func revokeRequest(_ token: String) -> TokenEndpointRequest {
        TokenEndpointRequest(
            method: "POST",
            contentType: ["application/x-www-form-urlencoded"],
            authorization: [self.basic],
            body: Array("token=\(token)&token_type_hint=access_token".utf8)
        )
    }
}

extension TokenEndpointResponse {
    var accessToken: String? {
        let json = try? JSONSerialization.jsonObject(with: Data(self.body)) as? [String: Any]
        return json?["access_token"] as? String
    }
}
