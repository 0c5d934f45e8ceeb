import Benchmark
import Crypto
import Foundation
import GatewayAudit
import GatewayCredentials
import GatewayHTTP1
import GatewayLimits
import GatewayPolicy
import GatewayProxy
import GatewayReplay
import GatewayRouting
import GatewayRules
import NIOCore
import NIOEmbedded
import NIOHTTP1
import _CryptoExtras

// Microbenchmarks of the request path's pieces, one process, no sockets: JWT verification per
// algorithm (cold: no cache), the verified-token cache, API key lookup, the replay nonce store's
// check-and-insert, the memory rate limiter, path normalisation and route matching, request head →
// policy decision (from a `PolicyRequest`, and from the head's bytes through the gateway's own
// HTTP/1.1 codec and, for comparison, NIO's llhttp), audit record encoding (JCS) with its hash;
// and, in ProxyAllocations.swift, the allocations of whole proxied requests through an in-process
// gateway.
//
// Keys are generated at start; nothing is read from the repository. Results:
// bench/results/micro-latest.txt (written by bench/micro.sh).

// Every fixture is built once, before the benchmarks are registered, and only used inside the
// measured closures: a closure runs once per sample, and whatever it built would also be freed
// inside the measurement (a 100,000-key table's teardown would be counted against its lookups).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        timeUnits: .nanoseconds,
        warmupIterations: 20,
        maxDuration: .seconds(2),
        maxIterations: 200_000
    )
    let fixtures = Fixtures.shared
    let now = fixtures.now

    // MARK: JWT verification, cold

    for algorithm in JWTAlgorithm.allCases {
        let verifier = fixtures.verifier
        let token = fixtures.tokens[algorithm]!
        Benchmark("JWT verify (cold) \(algorithm.rawValue)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try? verifier.verify(token))
            }
        }
    }

    // MARK: DPoP proof verification (RFC 9449 §4.3), never cached

    let dpopVerifier = DPoPProofVerifier(algorithms: DPoPRules.defaultAlgorithms, window: 300)
    let dpopRequest = DPoPRequest(method: "GET", scheme: "http", authority: "127.0.0.1:18088", target: "/api/item")
    let boundToken = fixtures.boundES256Token
    let proof = fixtures.dpopProof
    let jkt = fixtures.dpopSigner.thumbprint
    guard (try? dpopVerifier.verify(proof, request: dpopRequest, accessToken: boundToken, boundThumbprint: jkt, now: now)) != nil
    else { fatalError("the benchmark's DPoP proof does not verify") }
    Benchmark("DPoP proof verify ES256") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try? dpopVerifier.verify(proof, request: dpopRequest, accessToken: boundToken, boundThumbprint: jkt, now: now))
        }
    }

    // MARK: Verified-token cache

    let cache = TokenCache(capacity: 10_000)
    let cachedToken = fixtures.tokens[.hs256]!
    let verified = try! fixtures.verifier.verify(cachedToken)
    for _ in 0..<9_999 {
        cache.insert(try! fixtures.hs256Signer.sign(fixtures.claims(jti: true)), verified, now: now)
    }
    cache.insert(cachedToken, verified, now: now)
    Benchmark("TokenCache lookup (hit, 10,000 entries)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(cache.lookup(cachedToken, now: now))
        }
    }

    // MARK: API keys

    let apiKey = fixtures.apiKey
    let smallKeyTable = Fixtures.apiKeyTable(size: 1)
    let largeKeyTable = Fixtures.apiKeyTable(size: 100_000)
    for (table, label) in [(smallKeyTable, "hit, 1 key"), (largeKeyTable, "hit, 100000 keys")] {
        Benchmark("API key lookup (\(label))", configuration: .init(scalingFactor: .kilo)) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(table.lookup(presentedKey: apiKey, now: now))
            }
        }
    }
    Benchmark("API key lookup (miss, 100000 keys)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let unknown = "gk_not-a-configured-key-0123456789abcdefghijk"
        for _ in benchmark.scaledIterations {
            blackHole(largeKeyTable.lookup(presentedKey: unknown, now: now))
        }
    }

    // MARK: Nonce store

    // `MemoryNonceStore.claimNow`, the check-and-insert the proxy makes for a `replay = "required"`
    // route (through `NonceStore.claim`, which only wraps it in `.decided`). 32-character nonces
    // under one scope, built beforehand; each sample claims 1,000 of them.
    let nonceStore = MemoryNonceStore(capacity: 1_000_000)
    let nonceScope = "jwt:bench-es256"
    let freshKeys = fixtures.nonceKeys
    let freshCursor = Cursor()
    // At most (20 warm-up + 600 measured) × 1,000 = 620,000 claims: every key is fresh, and the
    // store (1,000,000 entries) never reaches the shard-full region.
    Benchmark(
        "Nonce store claim (fresh, capacity 1000000)",
        configuration: .init(scalingFactor: .kilo, maxIterations: 600)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            let key = freshKeys[freshCursor.next % freshKeys.count]
            freshCursor.next &+= 1
            blackHole(nonceStore.claimNow(key, expiresAt: now + 300, now: now))
        }
    }
    let replayedKey = NonceKey(scope: nonceScope, value: "replayed-0123456789abcdef01234567")
    guard nonceStore.claimNow(replayedKey, expiresAt: now + 300, now: now) == .fresh else {
        fatalError("the nonce store refused a fresh nonce")
    }
    Benchmark("Nonce store claim (replayed)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(nonceStore.claimNow(replayedKey, expiresAt: now + 300, now: now))
        }
    }

    // MARK: Rate limiter

    // `MemoryRateLimiter.acquireNow`, what a route with `rate_limit` costs per request with the
    // memory limiter (through `RateLimiter.acquire`, which only wraps it in `.decided`): the
    // keyed hash of route and client, the shard's lock, the 8-way set and the GCRA step. One
    // busy client under a limit it never reaches; 10,000 clients in turn; one client refused.
    let limiter = MemoryRateLimiter()
    let generous = RateLimit(count: 1_000_000_000, period: .seconds(1))
    let oneClient = RateLimitKey.credential(route: "orders-read", credential: "api_key:partner-acme")
    Benchmark("Rate limiter acquire (memory, one client, allowed)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(limiter.acquireNow(oneClient, limit: generous))
        }
    }
    let manyClients = (0..<10_000).map { RateLimitKey.address(route: "public", address: "198.51.\($0 / 256).\($0 % 256)") }
    let clientCursor = Cursor()
    Benchmark("Rate limiter acquire (memory, 10000 clients)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations {
            let key = manyClients[clientCursor.next % manyClients.count]
            clientCursor.next &+= 1
            blackHole(limiter.acquireNow(key, limit: generous))
        }
    }
    let strict = RateLimit(count: 1, period: .seconds(3600))
    let refusedClient = RateLimitKey.credential(route: "orders-read", credential: "api_key:exhausted")
    _ = limiter.acquireNow(refusedClient, limit: strict)
    Benchmark("Rate limiter acquire (memory, refused)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(limiter.acquireNow(refusedClient, limit: strict))
        }
    }

    // MARK: Paths and routes

    for path: Substring in ["/api/v1/orders/42/items", "/a/./b/../c%7Ed//e"] {
        Benchmark("Path normalisation (\(path))", configuration: .init(scalingFactor: .kilo)) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(PathNormalizer.normalize(path))
            }
        }
    }

    for size in [100, 5_000] {
        let table = Fixtures.routeTable(size: size)
        let prefixPath = "/service-\(size - 1)/v1/items/42"
        Benchmark("Route match (\(size) routes, last prefix route)", configuration: .init(scalingFactor: .kilo)) {
            benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(table.match(host: "api.example.com", path: prefixPath, method: "GET"))
            }
        }
        let exactHost = "host-\(size - 4).example.com"
        let exactPath = "/service-\(size - 4)/v1/status"
        Benchmark("Route match (\(size) routes, exact host + exact path)", configuration: .init(scalingFactor: .kilo)) {
            benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(table.match(host: exactHost, path: exactPath, method: "GET"))
            }
        }
        Benchmark("Route match (\(size) routes, no route)", configuration: .init(scalingFactor: .kilo)) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(table.match(host: "api.example.com", path: "/nothing/here", method: "GET"))
            }
        }
    }

    // MARK: Request head → policy decision

    let policy = fixtures.policy
    let publicRequest = Fixtures.request(path: "/public/item?x=1", extra: [])
    Benchmark("Policy decide: public route", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let context = PolicyContext(now: now)
        for _ in benchmark.scaledIterations {
            blackHole(policy.decide(publicRequest, context: context))
        }
    }
    let apiKeyRequest = Fixtures.request(path: "/api/item", extra: [("X-API-Key", apiKey)])
    Benchmark("Policy decide: API key", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let context = PolicyContext(now: now)
        for _ in benchmark.scaledIterations {
            blackHole(policy.decide(apiKeyRequest, context: context))
        }
    }
    for algorithm in [JWTAlgorithm.hs256, .es256, .rs256] {
        let token = fixtures.tokens[algorithm]!
        let request = Fixtures.request(path: "/api/item", extra: [("Authorization", "Bearer \(token)")])
        let context = PolicyContext(now: now, tokenCache: TokenCache(capacity: 10_000))
        guard case .allow = policy.decide(request, context: context) else {
            fatalError("the \(algorithm.rawValue) request was not allowed")
        }
        Benchmark("Policy decide: \(algorithm.rawValue) bearer, warm TokenCache", configuration: .init(scalingFactor: .kilo)) {
            benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(policy.decide(request, context: context))
            }
        }
    }
    // The same ES256 access token, bound to a P-256 client key, with an ES256 proof: the proof adds
    // one signature verification (and its JOSE work) to the warm-cache bearer decision above.
    do {
        let request = Fixtures.request(
            path: "/api/item",
            extra: [("Authorization", "DPoP \(fixtures.boundES256Token)"), ("DPoP", fixtures.dpopProof)]
        )
        let context = PolicyContext(now: now, tokenCache: TokenCache(capacity: 10_000))
        guard case .allow(let allowance) = policy.decide(request, context: context), allowance.dpopNonce != nil else {
            fatalError("the DPoP request was not allowed")
        }
        Benchmark("Policy decide: ES256 DPoP-bound token + ES256 proof, warm TokenCache") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(policy.decide(request, context: context))
            }
        }
    }
    let hs256Request = Fixtures.request(path: "/api/item", extra: [("Authorization", "Bearer \(cachedToken)")])
    Benchmark("Policy decide: HS256 bearer, no cache") { benchmark in
        let context = PolicyContext(now: now)
        for _ in benchmark.scaledIterations {
            blackHole(policy.decide(hs256Request, context: context))
        }
    }

    // MARK: Request head bytes → policy decision

    // What the proxy does with a request head once it has all its bytes: `GatewayHTTP1`'s
    // `HTTP1RequestDecoder` (the proxy's own strict codec) parses it in place, the `Host` is
    // normalised, and the policy decides (with the event loop's warm token cache) over the fields
    // as byte ranges of the received buffer, as `ExchangeAdmission` does. The decoder is reused
    // across iterations, as one keep-alive connection reuses it.
    //
    // The llhttp rows (NIO's `HTTPRequestDecoder` in an `EmbeddedChannel`, `HTTPHeaders` of
    // `String`s) are what the proxy did before the codec replaced it, kept for comparison. The
    // `EmbeddedChannel`'s `writeInbound`/`readInbound` add a little over a real pipeline.
    let headCache = TokenCache(capacity: 10_000)
    let heads: [(String, String)] = [
        ("public route", Fixtures.rawHead(path: "/public/item?x=1", extra: [])),
        ("API key", Fixtures.rawHead(path: "/api/item", extra: [("X-API-Key", apiKey)])),
        ("HS256 bearer, warm TokenCache", Fixtures.rawHead(path: "/api/item", extra: [("Authorization", "Bearer \(cachedToken)")])),
        (
            "ES256 bearer, warm TokenCache",
            Fixtures.rawHead(path: "/api/item", extra: [("Authorization", "Bearer \(fixtures.tokens[.es256]!)")])
        ),
    ]
    let parseOnlyHead = ByteBuffer(string: heads[2].1)
    Benchmark("HTTP/1.1 head parse (GatewayHTTP1, HS256 bearer head)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        var decoder = Fixtures.headDecoder()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(Fixtures.parse(parseOnlyHead, with: &decoder))
        }
        benchmark.stopMeasurement()
    }
    Benchmark("HTTP/1.1 head parse (llhttp, HS256 bearer head)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let channel = Fixtures.llhttpChannel()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(Fixtures.parse(parseOnlyHead, on: channel))
        }
        benchmark.stopMeasurement()
        _ = try? channel.finish()
    }
    for (label, text) in heads {
        let bytes = ByteBuffer(string: text)
        let context = PolicyContext(now: now, tokenCache: headCache)
        // Warms the cache, and checks that the head is allowed through both parsers.
        var checkDecoder = Fixtures.headDecoder()
        guard case .allow = policy.decide(Fixtures.parse(bytes, with: &checkDecoder), context: context) else {
            fatalError("the head \(label) was not allowed")
        }
        let checkChannel = Fixtures.llhttpChannel()
        guard case .allow = policy.decide(Fixtures.parse(bytes, on: checkChannel), context: context) else {
            fatalError("the head \(label) was not allowed (llhttp)")
        }
        _ = try? checkChannel.finish()
        Benchmark("Head parse + policy decide: \(label)", configuration: .init(scalingFactor: .kilo)) { benchmark in
            var decoder = Fixtures.headDecoder()
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(policy.decide(Fixtures.parse(bytes, with: &decoder), context: context))
            }
            benchmark.stopMeasurement()
        }
        Benchmark("Head parse + policy decide (llhttp): \(label)", configuration: .init(scalingFactor: .kilo)) { benchmark in
            let channel = Fixtures.llhttpChannel()
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(policy.decide(Fixtures.parse(bytes, on: channel), context: context))
            }
            benchmark.stopMeasurement()
            _ = try? channel.finish()
        }
    }

    // MARK: Whole proxied requests (ProxyAllocations.swift)

    registerProxyAllocationBenchmarks()

    // MARK: Audit records

    for chained in [false, true] {
        let name = chained ? "Audit record encode + SHA-256 chain" : "Audit record encode (no chain)"
        Benchmark(name, configuration: .init(scalingFactor: .kilo)) { benchmark in
            var encoder = AuditRecordEncoder()
            var output: [UInt8] = []
            output.reserveCapacity(1024)
            var prev: AuditHash? = chained ? AuditHash.zero : nil
            var record = Fixtures.auditRecord
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                record.seq &+= 1
                let hash = encoder.appendLine(record, prev: prev, to: &output)
                if chained { prev = hash }
                blackHole(output.count)
                output.removeAll(keepingCapacity: true)
            }
            benchmark.stopMeasurement()
        }
    }
}

/// Keys, tokens, rules and tables, generated once per benchmark process.
final class Fixtures: Sendable {
    static let shared = Fixtures()

    let now = Int64(Date().timeIntervalSince1970)
    let apiKey = "gk_benchmark-key-0123456789abcdefghijklmnopqrstu"
    let tokens: [JWTAlgorithm: String]
    let verifier: JWTVerifier
    let policy: Policy
    let hs256Signer: JWTSigner
    /// A client's P-256 DPoP key, an ES256 token bound to it, and a proof for
    /// `GET http://127.0.0.1:18088/api/item` with that token, made at `now`.
    let dpopSigner: DPoPProofSigner
    let boundES256Token: String
    let dpopProof: String
    /// 800,000 distinct 32-character nonces under one scope, for the nonce store.
    let nonceKeys: [NonceKey]

    private init() {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-benchmarks-\(getpid())")
        try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func write(_ name: String, _ text: String) -> String {
            let path = directory.appendingPathComponent(name).path
            try! text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        let secret = (0..<64).map { _ in UInt8.random(in: 0...255) }
        let rsa = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
        let p256 = P256.Signing.PrivateKey()
        let p384 = P384.Signing.PrivateKey()
        let ed25519 = Curve25519.Signing.PrivateKey()
        let rsaPublic = write("rsa.pub.pem", rsa.publicKey.pemRepresentation)
        let p256Public = write("p256.pub.pem", p256.publicKey.pemRepresentation)
        let p384Public = write("p384.pub.pem", p384.publicKey.pemRepresentation)
        let ed25519Public = write(
            "ed25519.pub.pem",
            Self.pem("PUBLIC KEY", der: [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]
                + Array(ed25519.publicKey.rawRepresentation))
        )
        let ed25519Private = Self.pem(
            "PRIVATE KEY",
            der: [0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]
                + Array(ed25519.rawRepresentation)
        )

        var keys: [KeyRule] = []
        var signers: [JWTAlgorithm: JWTSigner] = [:]
        for algorithm in JWTAlgorithm.allCases {
            let kid = "bench-\(algorithm.rawValue.lowercased())"
            let material: KeyRule.Material
            let signer: JWTSigner
            switch algorithm {
            case .hs256, .hs384, .hs512:
                material = .secret(Secret(bytes: secret, source: .inline))
                signer = try! JWTSigner(algorithm: algorithm, secret: secret, keyID: kid)
            case .rs256, .rs384, .rs512, .ps256, .ps384, .ps512:
                material = .publicKeyFile(rsaPublic)
                signer = try! JWTSigner(algorithm: algorithm, privateKeyPEM: rsa.pkcs8PEMRepresentation, keyID: kid)
            case .es256:
                material = .publicKeyFile(p256Public)
                signer = try! JWTSigner(algorithm: algorithm, privateKeyPEM: p256.pemRepresentation, keyID: kid)
            case .es384:
                material = .publicKeyFile(p384Public)
                signer = try! JWTSigner(algorithm: algorithm, privateKeyPEM: p384.pemRepresentation, keyID: kid)
            case .eddsa:
                material = .publicKeyFile(ed25519Public)
                signer = try! JWTSigner(algorithm: algorithm, privateKeyPEM: ed25519Private, keyID: kid)
            }
            keys.append(KeyRule(id: kid, alg: algorithm, material: material))
            signers[algorithm] = signer
        }

        let rules = Rules(
            sourcePath: directory.appendingPathComponent("bench.conf").path,
            keys: keys,
            apiKeys: [APIKeyRule(id: "bench", hash: APIKeyGenerator.hash(of: self.apiKey), scopes: ["bench:read"])],
            upstreams: [UpstreamRule(name: "bench", targets: [UpstreamTarget(host: "127.0.0.1", port: 18080)])],
            routes: [
                RouteRule(name: "public", path: .prefix("/public"), upstream: "bench", isPublic: true),
                RouteRule(name: "api", path: .prefix("/api"), upstream: "bench", scopes: ["bench:read"]),
            ]
        )
        self.verifier = try! JWTVerifier(rules: rules)
        self.policy = try! Policy(rules: rules)
        self.hs256Signer = signers[.hs256]!
        var tokens: [JWTAlgorithm: String] = [:]
        let claims = Self.claims(now: self.now, jti: true)
        for (algorithm, signer) in signers { tokens[algorithm] = try! signer.sign(claims) }
        self.tokens = tokens
        self.dpopSigner = try! DPoPProofSigner(privateKeyPEM: P256.Signing.PrivateKey().pemRepresentation)
        var bound = claims
        bound.jkt = self.dpopSigner.thumbprint
        self.boundES256Token = try! signers[.es256]!.sign(bound)
        self.dpopProof = try! self.dpopSigner.proof(
            method: "GET",
            url: "http://127.0.0.1:18088/api/item",
            accessToken: self.boundES256Token,
            issuedAt: self.now,
            jti: UUID().uuidString
        )
        let scope = "jwt:bench-es256"
        self.nonceKeys = (0..<800_000).map { index in
            // Distinct and 32 characters long, like a hex-encoded 128-bit nonce.
            let hex = String(index, radix: 16)
            return NonceKey(scope: scope, value: String(repeating: "0", count: 32 - hex.count) + hex)
        }
    }

    /// Seven claims, as a typical access token carries.
    static func claims(now: Int64, jti: Bool) -> JWTClaims {
        JWTClaims(
            iss: "https://auth.example.com",
            sub: "bench-client",
            aud: ["bench-api"],
            exp: now + 3600,
            iat: now,
            jti: jti ? UUID().uuidString : nil,
            scopes: ["bench:read", "bench:write"]
        )
    }

    func claims(jti: Bool) -> JWTClaims { Self.claims(now: self.now, jti: jti) }

    static func pem(_ label: String, der: [UInt8]) -> String {
        "-----BEGIN \(label)-----\n\(Data(der).base64EncodedString(options: .lineLength64Characters))\n-----END \(label)-----\n"
    }

    /// `size` keys; the benchmark key is the last one added.
    static func apiKeyTable(size: Int) -> APIKeyTable {
        var rules: [APIKeyRule] = []
        rules.reserveCapacity(size)
        for index in 0..<(size - 1) {
            rules.append(APIKeyRule(id: "key-\(index)", hash: APIKeyGenerator.hash(of: "gk_other-\(index)")))
        }
        rules.append(APIKeyRule(id: "bench", hash: APIKeyGenerator.hash(of: Fixtures.shared.apiKey), scopes: ["bench:read"]))
        return try! APIKeyTable(rules)
    }

    /// `size` routes: every fourth (0, 4, 8, …) with an exact host and an exact path, the others
    /// path prefixes on any host. The benchmarks match the last ones (sizes are multiples of 4).
    static func routeTable(size: Int) -> RouteTable<Int> {
        var entries: [RouteEntry<Int>] = []
        for index in 0..<size {
            if index % 4 == 0 {
                entries.append(
                    RouteEntry(
                        host: HostPattern(parsing: "host-\(index).example.com")!,
                        path: try! PathPattern(path: "/service-\(index)/v1/status"),
                        methods: ["GET"],
                        payload: index
                    )
                )
            } else {
                entries.append(
                    RouteEntry(path: try! PathPattern(pathPrefix: "/service-\(index)/v1"), methods: nil, payload: index)
                )
            }
        }
        return RouteTable(entries)
    }

    /// A request head as wrk sends it, plus `extra` headers.
    static func request(path: String, extra: [(String, String)]) -> PolicyRequest<HTTPHeaders> {
        let headers = HTTPHeaders([("Host", "127.0.0.1:18088")] + extra)
        return PolicyRequest(method: .GET, target: path, host: "127.0.0.1", headers: headers)
    }

    /// The bytes of a request head as wrk sends it (HTTP/1.1, keep-alive), plus `extra` headers.
    static func rawHead(path: String, extra: [(String, String)]) -> String {
        var text = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:18088\r\n"
        for (name, value) in extra { text += "\(name): \(value)\r\n" }
        return text + "\r\n"
    }

    /// The proxy's request decoder, with the default limits (those of `[server]`'s defaults).
    static func headDecoder() -> HTTP1RequestDecoder {
        HTTP1RequestDecoder(limits: HTTP1Limits())
    }

    /// Feeds one complete head to `decoder` and builds the policy's view of it as the proxy's
    /// `HTTP1ConnectionHandler` and `ExchangeAdmission` do: the target and `Host` as strings,
    /// `Host` normalised, the fields left as byte ranges of the received buffer.
    static func parse(_ bytes: ByteBuffer, with decoder: inout HTTP1RequestDecoder) -> PolicyRequest<HTTP1RequestFields> {
        decoder.feed(bytes)
        guard case .head(let head) = try! decoder.next(), case .end = try! decoder.next() else {
            fatalError("the request head did not parse")
        }
        let host = head.fields.first("host").flatMap { HostName.normalize(head.fields.string($0)) }
        return PolicyRequest(
            method: head.method.rawValue,
            target: head.targetString,
            host: host,
            fields: HTTP1RequestFields(head.fields),
            hasBody: false
        )
    }

    /// A channel with NIO's HTTP/1.1 request decoder (llhttp), as the proxy used before
    /// `GatewayHTTP1`.
    static func llhttpChannel() -> EmbeddedChannel {
        EmbeddedChannel(handler: ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
    }

    /// Feeds one complete head to `channel` (llhttp) and builds the policy's view of it with
    /// `HTTPHeaders` (`Host` normalised, lowercased, without port).
    static func parse(_ bytes: ByteBuffer, on channel: EmbeddedChannel) -> PolicyRequest<HTTPHeaders> {
        try! channel.writeInbound(bytes)
        guard case .head(let head) = try! channel.readInbound(as: HTTPServerRequestPart.self),
            case .end = try! channel.readInbound(as: HTTPServerRequestPart.self)
        else { fatalError("the request head did not parse") }
        let host = head.headers.first(name: "host").flatMap { HostName.normalize($0) }
        return PolicyRequest(method: head.method, target: head.uri, host: host, headers: head.headers)
    }

    static let auditRecord = AuditRecord(
        timestampMilliseconds: 1_800_000_000_123,
        requestID: "6f1c0e2a9b3d4c5e000000000003",
        client: "127.0.0.1",
        method: "GET",
        host: "api.example.com",
        path: "/orders/42/items",
        route: "orders-read",
        decision: "allow",
        reason: "ok",
        status: 200,
        credential: AuditRecord.Credential(kind: "jwt", id: "auth-es256"),
        subject: "acme-client",
        scopes: ["orders:read", "orders:write"],
        jti: "5d1f8c3e-0b7a-4f7e-9a51-2c3d4e5f6a7b",
        upstream: "127.0.0.1:9000",
        durationMicroseconds: 412,
        upstreamMicroseconds: 288,
        bytesIn: 0,
        bytesOut: 24
    )
}

/// A position in a fixture array that advances across samples.
final class Cursor {
    var next = 0
}
