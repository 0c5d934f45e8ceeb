import Crypto
import Foundation
import GatewayCredentials
import GatewayRedisTesting
import GatewayTestSupport
import Testing

/// Two `gateway run` processes sharing one real `redis-server` (SPEC §4, §9 "Rate limits",
/// "Redis unavailable"): what one replica accepted the other refuses, a rate limit is one budget
/// across both, and Redis going away turns replay-protected routes to 503 — never an allow —
/// while public routes keep answering, until it is back.
@Suite(.timeLimit(.minutes(3))) struct SharedStateProcessTests {
    static let secret = Array("shared-state-hmac-secret-with-at-least-32-bytes".utf8)
    static let apiKey = "gk_shared_0123456789abcdefghijklmnopqrstuvw"
    let signingKey = Curve25519.Signing.PrivateKey()

    /// A Redis server and two gateways on it, and what the tests need to talk to them.
    struct Replicas {
        let redis: RedisServer
        let upstream: TestUpstream
        let first: GatewayProcess
        let second: GatewayProcess
        let directory: URL

        func stop() async {
            _ = await self.first.terminate()
            _ = await self.second.terminate()
            await self.redis.stop()
            await self.upstream.stop()
            try? FileManager.default.removeItem(at: self.directory)
        }
    }

    func rules(upstreamPort: Int, redisPort: Int, directory: URL) throws -> String {
        let publicKey = directory.appendingPathComponent("bot.pub.pem").path
        try self.signingKey.publicKey.pemRepresentation.write(toFile: publicKey, atomically: true, encoding: .utf8)
        let secretFile = directory.appendingPathComponent("hs256.secret").path
        try Data(Self.secret).write(to: URL(fileURLWithPath: secretFile))
        let hash = SHA256.hash(data: Array(Self.apiKey.utf8)).map { String(format: "%02x", $0) }.joined()
        return """
            [server]
            listen = "127.0.0.1:0"
            threads = 2

            [audit]
            sink = "off"

            [replay]
            window = "300s"
            store = "redis://127.0.0.1:\(redisPort)"

            [[keys]]
            id = "hs"
            alg = "HS256"
            secret_file = "\(secretFile)"

            [[api_keys]]
            id = "partner"
            hash = "sha256:\(hash)"

            [[signing_keys]]
            id = "bot"
            alg = "ed25519"
            public_key_file = "\(publicKey)"

            [[upstreams]]
            name = "up"
            targets = ["127.0.0.1:\(upstreamPort)"]

            [[routes]]
            name = "signed"
            path_prefix = "/signed"
            upstream = "up"
            auth = ["signature", "jwt"]
            replay = "required"

            [[routes]]
            name = "bound"
            path_prefix = "/bound"
            upstream = "up"
            auth = ["jwt"]
            dpop = "required"

            [[routes]]
            name = "limited"
            path_prefix = "/limited"
            upstream = "up"
            auth = ["api_key"]
            rate_limit = "3/h"

            [[routes]]
            name = "open"
            path_prefix = "/open"
            upstream = "up"
            public = true
            """
    }

    func start() async throws -> Replicas? {
        guard RedisServer.isAvailable else {
            print(RedisServer.missingMessage)
            return nil
        }
        let redis = try await RedisServer.start()
        let upstream = try await TestUpstream.start()
        let directory = try makeTemporaryDirectory("shared")
        let rulesPath = directory.appendingPathComponent("gateway.conf").path
        try self.rules(upstreamPort: upstream.port, redisPort: redis.port, directory: directory)
            .write(toFile: rulesPath, atomically: true, encoding: .utf8)
        let first = try await GatewayProcess.start(rulesPath: rulesPath)
        let second = try await GatewayProcess.start(rulesPath: rulesPath)
        return Replicas(redis: redis, upstream: upstream, first: first, second: second, directory: directory)
    }

    /// A signed GET of `path` for the gateway on `port`, as raw request text.
    func signedRequest(port: Int, path: String) throws -> String {
        let signer = try RequestSigner(keyID: "bot", privateKeyPEM: self.signingKey.pemRepresentation)
        let request = try #require(SignedRequest(method: "GET", url: "http://127.0.0.1:\(port)\(path)"))
        let headers = try signer.sign(request, created: Int64(Date().timeIntervalSince1970))
        var text = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        for (name, value) in headers.fields { text += "\(name): \(value)\r\n" }
        return text + "\r\n"
    }

    func token(jti: String) throws -> String {
        let now = Int64(Date().timeIntervalSince1970)
        return try JWTSigner(algorithm: .hs256, secret: Self.secret, keyID: "hs")
            .sign(JWTClaims(sub: "alice", exp: now + 300, iat: now, jti: jti))
    }

    func send(_ text: String, to port: Int) async throws -> TestResponse {
        let client = try await RawConnection.connect(port: port)
        try await client.send(text)
        let response = try await client.readResponse()
        await client.close()
        return try #require(response)
    }

    @Test func aNonceOneReplicaAcceptedTheOtherRefuses() async throws {
        guard let replicas = try await self.start() else { return }
        // The signature covers the authority, so both gateways are addressed by one name: the
        // second receives the first's bytes exactly, as a replayed capture would be.
        let request = try self.signedRequest(port: replicas.first.port, path: "/signed/pay")
        #expect(try await self.send(request, to: replicas.first.port).status == 200)
        let replayed = try await self.send(request, to: replicas.second.port)
        #expect(replayed.status == 401)
        #expect(replayed.bodyText.contains("replayed_nonce"))
        await replicas.stop()
    }

    @Test func aJTIOneReplicaAcceptedTheOtherRefuses() async throws {
        guard let replicas = try await self.start() else { return }
        let bearer = "Authorization: Bearer \(try self.token(jti: "jti-\(UUID().uuidString)"))\r\n"
        let request = "GET /signed/x HTTP/1.1\r\nHost: a\r\n\(bearer)\r\n"
        #expect(try await self.send(request, to: replicas.first.port).status == 200)
        let replayed = try await self.send(request, to: replicas.second.port)
        #expect(replayed.status == 401)
        #expect(replayed.bodyText.contains("replayed_nonce"))
        await replicas.stop()
    }

    /// How many times Redis ran `command` since it started (`INFO commandstats`, read with
    /// `redis-cli`, which the redis-server package brings).
    func calls(of command: String, redisPort: Int) async throws -> Int {
        let text = try await Command.run("redis-cli", ["-p", String(redisPort), "INFO", "commandstats"]).standardOutput
        guard let line = text.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix("cmdstat_\(command):") }),
            let calls = line.split(separator: ",").first?.split(separator: "=").last
        else { return 0 }
        return Int(calls) ?? -1
    }

    /// One Redis round trip per replay-protected request: one `SET … NX PX` per nonce, and
    /// nothing else on the request's way (issue 12's benchmark target, held as a count).
    @Test func eachReplayProtectedRequestCostsOneRedisCommand() async throws {
        guard let replicas = try await self.start() else { return }
        let before = try await self.calls(of: "set", redisPort: replicas.redis.port)
        let count = 10
        for index in 0..<count {
            let port = index.isMultiple(of: 2) ? replicas.first.port : replicas.second.port
            #expect(try await self.send(try self.signedRequest(port: port, path: "/signed/\(index)"), to: port).status == 200)
        }
        #expect(try await self.calls(of: "set", redisPort: replicas.redis.port) - before == count)
        for other in ["get", "exists", "eval", "evalsha", "del"] {
            #expect(try await self.calls(of: other, redisPort: replicas.redis.port) == 0, "\(other)")
        }
        await replicas.stop()
    }

    /// A DPoP proof's `jti` lives in Redis under its key's thumbprint: a captured request
    /// (token and proof) accepted by one replica is a replay at the other.
    @Test func aDPoPProofOneReplicaAcceptedTheOtherRefuses() async throws {
        guard let replicas = try await self.start() else { return }
        let clientKey = P256.Signing.PrivateKey()
        let proofs = try DPoPProofSigner(privateKeyPEM: clientKey.pemRepresentation)
        let now = Int64(Date().timeIntervalSince1970)
        var claims = JWTClaims(sub: "alice", exp: now + 300, iat: now)
        claims.jkt = proofs.thumbprint
        let token = try JWTSigner(algorithm: .hs256, secret: Self.secret, keyID: "hs").sign(claims)
        let proof = try proofs.proof(
            method: "GET", url: "http://api.example/bound/x", accessToken: token, issuedAt: now, jti: DPoPProofSigner.randomJTI()
        )
        let request = "GET /bound/x HTTP/1.1\r\nHost: api.example\r\nAuthorization: DPoP \(token)\r\nDPoP: \(proof)\r\n\r\n"
        let accepted = try await self.send(request, to: replicas.first.port)
        #expect(accepted.status == 200, "\(accepted.bodyText)")
        let replayed = try await self.send(request, to: replicas.second.port)
        #expect(replayed.status == 401)
        #expect(replayed.bodyText.contains("replayed_nonce"))
        await replicas.stop()
    }

    @Test func aRateLimitIsOneBudgetAcrossReplicas() async throws {
        guard let replicas = try await self.start() else { return }
        let request = "GET /limited/x HTTP/1.1\r\nHost: a\r\nX-API-Key: \(Self.apiKey)\r\n\r\n"
        var statuses: [Int] = []
        for port in [replicas.first.port, replicas.second.port, replicas.first.port, replicas.second.port] {
            statuses.append(try await self.send(request, to: port).status)
        }
        #expect(statuses.filter { $0 == 200 }.count == 3)
        #expect(statuses.last == 429)
        let refused = try await self.send(request, to: replicas.first.port)
        #expect(refused.status == 429)
        #expect(refused.header("retry-after").flatMap(Int.init).map { $0 >= 1 } == true)
        #expect(refused.header("ratelimit-limit") == "3")
        #expect(refused.header("ratelimit-remaining") == "0")
        await replicas.stop()
    }

    @Test func withoutRedisReplayRoutesAnswer503AndRecoverWhenItIsBack() async throws {
        guard let replicas = try await self.start() else { return }
        await replicas.redis.stop()
        let signed = try await self.send(try self.signedRequest(port: replicas.first.port, path: "/signed/a"), to: replicas.first.port)
        #expect(signed.status == 503)
        #expect(signed.bodyText.contains("replay_store_unavailable"))
        #expect(replicas.upstream.requests.all.isEmpty)
        #expect(try await self.send("GET /open/x HTTP/1.1\r\nHost: a\r\n\r\n", to: replicas.first.port).status == 200)
        // Rate limits fall back to local buckets: the limited route still answers.
        let limited = "GET /limited/x HTTP/1.1\r\nHost: a\r\nX-API-Key: \(Self.apiKey)\r\n\r\n"
        #expect(try await self.send(limited, to: replicas.second.port).status == 200)

        try await replicas.redis.restart()
        // The gateway reconnects with capped backoff (at most 2 s between attempts): each try is
        // a fresh signed request, answered 503 until the connection is back, then 200.
        var status = 0
        for _ in 0..<60 where status != 200 {
            status = try await self.send(try self.signedRequest(port: replicas.first.port, path: "/signed/b"), to: replicas.first.port).status
            if status != 200 { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(status == 200)
        await replicas.stop()
    }

    @Test func aRevocationAtOneReplicaIsHonouredByTheOther() async throws {
        guard RedisServer.isAvailable else {
            print(RedisServer.missingMessage)
            return
        }
        let redis = try await RedisServer.start()
        let upstream = try await TestUpstream.start()
        let directory = try makeTemporaryDirectory("shared-tokens")
        let rulesPath = directory.appendingPathComponent("gateway.conf").path
        try TokenEndpointTests.rules(upstreamPort: upstream.port, directory: directory, store: "redis://127.0.0.1:\(redis.port)")
            .write(toFile: rulesPath, atomically: true, encoding: .utf8)
        let first = try await GatewayProcess.start(rulesPath: rulesPath)
        let second = try await GatewayProcess.start(rulesPath: rulesPath)
        let basic = TokenEndpointTests.basic("acme", TokenEndpointTests.acmeKey)
        let issued = try await self.send(TokenEndpointTests.post("/oauth/token", "grant_type=client_credentials", basic), to: first.port)
        let token = try TokenEndpointTests.token(from: issued)
        #expect(try await self.send(TokenEndpointTests.use(token), to: second.port).status == 200)
        #expect(try await self.send(TokenEndpointTests.post("/oauth/revoke", "token=\(token)", basic), to: first.port).status == 200)
        let refused = try await self.send(TokenEndpointTests.use(token), to: second.port)
        #expect(refused.status == 401)
        #expect(refused.bodyText.contains("token_revoked"))
        _ = await first.terminate()
        _ = await second.terminate()
        await redis.stop()
        await upstream.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}
