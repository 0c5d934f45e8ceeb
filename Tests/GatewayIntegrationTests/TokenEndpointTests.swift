import Crypto
import Foundation
@testable import GatewayApp
import GatewayProxy
import GatewayRules
import NIOCore
import Testing

/// The token endpoint over sockets (SPEC §8): a client trades its API key for a token, uses it,
/// revokes it, and the gateway refuses it from then on — through a reload too — while another
/// client's token keeps working.
@Suite(.timeLimit(.minutes(3))) struct TokenEndpointTests {
    static let acmeKey = "gk_acme_0123456789abcdefghijklmnopqrstuvwxyz"
    static let globexKey = "gk_globex_0123456789abcdefghijklmnopqrstuvwx"

    /// A rules file with the endpoint, its ES256 signing key and two API keys.
    static func rules(upstreamPort: Int, directory: URL, store: String = "memory", endpointExtra: String = "") throws -> String {
        let key = P256.Signing.PrivateKey()
        let privatePath = directory.appendingPathComponent("gw.pem").path
        let publicPath = directory.appendingPathComponent("gw.pub.pem").path
        try key.pemRepresentation.write(toFile: privatePath, atomically: true, encoding: .utf8)
        try key.publicKey.pemRepresentation.write(toFile: publicPath, atomically: true, encoding: .utf8)
        func hash(_ key: String) -> String { SHA256.hash(data: Array(key.utf8)).map { String(format: "%02x", $0) }.joined() }
        return """
            [server]
            listen = "127.0.0.1:0"

            [audit]
            sink = "off"

            [replay]
            store = "\(store)"

            [token_endpoint]
            signing_key = "gw"
            issuer = "gateway"
            ttl = "5m"
            \(endpointExtra)

            [[keys]]
            id = "gw"
            alg = "ES256"
            public_key_file = "\(publicPath)"
            private_key_file = "\(privatePath)"

            [[api_keys]]
            id = "acme"
            hash = "sha256:\(hash(Self.acmeKey))"
            scopes = ["orders:read", "orders:write"]

            [[api_keys]]
            id = "globex"
            hash = "sha256:\(hash(Self.globexKey))"
            scopes = ["orders:read"]

            [[upstreams]]
            name = "up"
            targets = ["127.0.0.1:\(upstreamPort)"]

            [[routes]]
            name = "orders"
            path_prefix = "/orders"
            upstream = "up"
            auth = ["jwt"]
            scopes = ["orders:read"]

            [[routes]]
            name = "refunds"
            path_prefix = "/refunds"
            upstream = "up"
            auth = ["jwt"]
            scopes = ["refunds:write"]
            """
    }

    static func basic(_ id: String, _ key: String) -> String {
        "Authorization: Basic " + Data("\(id):\(key)".utf8).base64EncodedString()
    }

    static func post(_ path: String, _ form: String, _ authorization: String) -> String {
        "POST \(path) HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\n\(authorization)\r\n"
            + "Content-Length: \(form.utf8.count)\r\n\r\n\(form)"
    }

    static func token(from response: TestResponse) throws -> String {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(response.bodyText.utf8)) as? [String: Any])
        return try #require(json["access_token"] as? String)
    }

    static func use(_ token: String, path: String = "/orders/1") -> String {
        "GET \(path) HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer \(token)\r\n\r\n"
    }

    @Test func issueUseRevokeRefusedAndAnotherClientUnaffected() async throws {
        let upstream = try await TestUpstream.start()
        let directory = try makeTemporaryDirectory("tokens")
        let rulesPath = directory.appendingPathComponent("gateway.conf").path
        try Self.rules(upstreamPort: upstream.port, directory: directory).write(toFile: rulesPath, atomically: true, encoding: .utf8)
        let (loaded, policy) = try RulesFile.compile(rulesPath)
        let gateway = try await GatewayHarness.start(loaded.rules) { rules, audit in
            try ProxyConfiguration(rules: rules, policy: policy, auditSink: audit, nonceStore: ProxyConfiguration.makeNonceStore(for: rules))
        }
        let client = try await RawConnection.connect(port: gateway.port)

        try await client.send(Self.post("/oauth/token", "grant_type=client_credentials&scope=orders%3Aread", Self.basic("acme", Self.acmeKey)))
        let issued = try #require(try await client.readResponse())
        #expect(issued.status == 200)
        #expect(issued.header("cache-control") == "no-store")
        #expect(issued.header("pragma") == "no-cache")
        let acme = try Self.token(from: issued)
        try await client.send(Self.post("/oauth/token", "grant_type=client_credentials", Self.basic("globex", Self.globexKey)))
        let globex = try Self.token(from: try #require(try await client.readResponse()))

        try await client.send(Self.use(acme))
        let used = try #require(try await client.readResponse())
        #expect(used.status == 200)
        try await client.send(Self.use(acme, path: "/refunds/1"))
        #expect(try await client.readResponse()?.status == 403)  // insufficient_scope while valid
        #expect(used.bodyText.contains("h:x-auth-credential=jwt:gw\n"))
        #expect(used.bodyText.contains("h:x-auth-subject=acme\n"))

        // Another client cannot revoke it; its owner can.
        try await client.send(Self.post("/oauth/revoke", "token=\(acme)", Self.basic("globex", Self.globexKey)))
        #expect(try await client.readResponse()?.status == 400)
        try await client.send(Self.use(acme))
        #expect(try await client.readResponse()?.status == 200)
        try await client.send(Self.post("/oauth/revoke", "token=\(acme)", Self.basic("acme", Self.acmeKey)))
        #expect(try await client.readResponse()?.status == 200)
        try await client.send(Self.use(acme))
        let refused = try #require(try await client.readResponse())
        #expect(refused.status == 401)
        #expect(refused.bodyText.contains("token_revoked"))
        // The token's status comes before its scopes (SPEC §9 "Order of checks").
        try await client.send(Self.use(acme, path: "/refunds/1"))
        let revokedFirst = try #require(try await client.readResponse())
        #expect(revokedFirst.status == 401)
        #expect(revokedFirst.bodyText.contains("token_revoked"))
        try await client.send(Self.use(globex))
        #expect(try await client.readResponse()?.status == 200)

        // The revocation survives a reload: the store is kept.
        gateway.server.apply(
            try ProxyConfiguration(rules: loaded.rules, policy: policy, auditSink: gateway.audit, nonceStore: gateway.server.configuration.nonceStore)
        )
        let after = try await RawConnection.connect(port: gateway.port)
        try await after.send(Self.use(acme))
        #expect(try await after.readResponse()?.status == 401)

        // The audit shows the API key id, never its secret or the issued token.
        await gateway.audit.waitForRecords(10)
        let issueRecord = try #require(gateway.audit.all.first)
        #expect(issueRecord.path == "/oauth/token")
        #expect(issueRecord.reason == "ok")
        #expect(issueRecord.credential?.kind == "api_key")
        #expect(issueRecord.credential?.id == "acme")
        let everything = gateway.audit.all.map { "\($0)" }.joined()
        #expect(!everything.contains(Self.acmeKey))
        #expect(!everything.contains(acme))
        await client.close()
        await after.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func wrongSecretsGetAndJSONAreRefused() async throws {
        let upstream = try await TestUpstream.start()
        let directory = try makeTemporaryDirectory("tokens-refused")
        let rulesPath = directory.appendingPathComponent("gateway.conf").path
        try Self.rules(upstreamPort: upstream.port, directory: directory).write(toFile: rulesPath, atomically: true, encoding: .utf8)
        let (loaded, policy) = try RulesFile.compile(rulesPath)
        let gateway = try await GatewayHarness.start(loaded.rules) { rules, audit in
            try ProxyConfiguration(rules: rules, policy: policy, auditSink: audit)
        }
        let client = try await RawConnection.connect(port: gateway.port)
        try await client.send(Self.post("/oauth/token", "grant_type=client_credentials", Self.basic("acme", "gk_wrong")))
        let wrong = try #require(try await client.readResponse())
        #expect(wrong.status == 401)
        #expect(wrong.bodyText.contains("invalid_client"))
        #expect(wrong.header("www-authenticate")?.hasPrefix("Basic") == true)
        try await client.send(Self.post("/oauth/token", "grant_type=client_credentials&scope=admin", Self.basic("globex", Self.globexKey)))
        #expect(try await client.readResponse()?.bodyText.contains("invalid_scope") == true)
        try await client.send("GET /oauth/token HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try await client.readResponse()?.status == 405)
        let json = #"{"grant_type":"client_credentials"}"#
        try await client.send(
            "POST /oauth/token HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n\(Self.basic("acme", Self.acmeKey))\r\n"
                + "Content-Length: \(json.utf8.count)\r\n\r\n\(json)"
        )
        let refusedJSON = try #require(try await client.readResponse())
        #expect(refusedJSON.status == 400)
        #expect(refusedJSON.bodyText.contains("invalid_request"))
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func tokenRequestsAreRateLimitedPerClient() async throws {
        let upstream = try await TestUpstream.start()
        let directory = try makeTemporaryDirectory("tokens-limited")
        let rulesPath = directory.appendingPathComponent("gateway.conf").path
        try Self.rules(upstreamPort: upstream.port, directory: directory, endpointExtra: "rate_limit = \"2/m\"")
            .write(toFile: rulesPath, atomically: true, encoding: .utf8)
        let (loaded, policy) = try RulesFile.compile(rulesPath)
        let gateway = try await GatewayHarness.start(loaded.rules) { rules, audit in
            try ProxyConfiguration(rules: rules, policy: policy, auditSink: audit)
        }
        let client = try await RawConnection.connect(port: gateway.port)
        var statuses: [Int] = []
        for secret in [Self.acmeKey, "gk_guess", Self.acmeKey] {
            try await client.send(Self.post("/oauth/token", "grant_type=client_credentials", Self.basic("acme", secret)))
            let response = try #require(try await client.readResponse())
            statuses.append(response.status)
            if response.status == 429 {
                #expect(response.bodyText.contains("rate_limited"))
                #expect(response.header("retry-after") != nil)
            }
        }
        #expect(statuses == [200, 401, 429])
        await gateway.audit.waitForRecords(3)
        #expect(gateway.audit.all.last?.reason == "rate_limited")
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }
}
