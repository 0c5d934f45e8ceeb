import Foundation
import GatewayProxy
import GatewayRules
import NIOCore
import NIOSSL
import Testing

/// HTTPS termination with ALPN h2 / http/1.1, HTTP/2 streams through the same policy and audit
/// path, and https upstreams verified against a CA — all with certificates made at test time.
@Suite(.timeLimit(.minutes(3))) struct TLSAndHTTP2Tests {
    let authority: TestCertificateAuthority
    let directory: URL

    init() throws {
        self.authority = try TestCertificateAuthority()
        self.directory = try makeTemporaryDirectory("tls")
    }

    func write(_ name: String, _ text: String) throws -> String {
        let path = self.directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func tlsRules(upstreamPort: Int, routes: [RouteRule]) throws -> Rules {
        let cert = try self.write("server.pem", self.authority.serverCertificatePEM)
        let key = try self.write("server.key", self.authority.serverKeyPEM)
        return testRules(upstreamPort: upstreamPort, routes: routes) { $0.server.tls = TLSRules(certFile: cert, keyFile: key) }
    }

    @Test func http11OverTLS() async throws {
        let upstream = try await TestUpstream.start()
        let gateway = try await GatewayHarness.start(try self.tlsRules(upstreamPort: upstream.port, routes: [publicRoute()]))
        let tls = try TLSClients.context(trusting: self.authority.caPEM, alpn: ["http/1.1"])
        let client = try await RawConnection.connect(port: gateway.port, tls: tls)
        try await client.send("GET /secure HTTP/1.1\r\nHost: localhost\r\n\r\n")
        let response = try #require(try await client.readResponse())
        #expect(response.status == 200)
        #expect(response.bodyText.contains("h:x-forwarded-proto=https\n"))
        await client.close()
        // A client that does not trust the CA cannot connect.
        let untrusting = try NIOSSLContext(configuration: TLSConfiguration.makeClientConfiguration())
        let refused = try await RawConnection.connect(port: gateway.port, tls: untrusting)
        try? await refused.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try await refused.readResponse() == nil)
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func reloadedCertificateServesNewConnectionsAndKeepsOpenOnes() async throws {
        let upstream = try await TestUpstream.start()
        var rules = try self.tlsRules(upstreamPort: upstream.port, routes: [publicRoute()])
        let gateway = try await GatewayHarness.start(rules)
        let oldTrust = try TLSClients.context(trusting: self.authority.caPEM, alpn: ["http/1.1"])
        let open = try await RawConnection.connect(port: gateway.port, tls: oldTrust)
        try await open.send("GET /before HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try await open.readResponse()?.status == 200)

        // A new certificate and key from another CA, as a SIGHUP after renewal would load them.
        let renewed = try TestCertificateAuthority()
        let cert = try self.write("renewed.pem", renewed.serverCertificatePEM)
        let key = try self.write("renewed.key", renewed.serverKeyPEM)
        rules.server.tls = TLSRules(certFile: cert, keyFile: key)
        rules.server.listen = [ListenAddress(host: "127.0.0.1", port: gateway.port)]
        gateway.server.apply(try ProxyConfiguration(rules: rules, auditSink: gateway.audit))

        let newTrust = try TLSClients.context(trusting: renewed.caPEM, alpn: ["http/1.1"])
        let fresh = try await RawConnection.connect(port: gateway.port, tls: newTrust)
        try await fresh.send("GET /after HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try await fresh.readResponse()?.status == 200)
        // A client that only trusts the old CA no longer completes a handshake…
        let stale = try await RawConnection.connect(port: gateway.port, tls: oldTrust)
        try? await stale.send("GET /stale HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try await stale.readResponse() == nil)
        // …while the connection opened before the reload goes on serving.
        try await open.send("GET /still HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try await open.readResponse()?.status == 200)
        for client in [open, fresh, stale] { await client.close() }
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func hundredConcurrentHTTP2Streams() async throws {
        let upstream = try await TestUpstream.start()
        let routes = [publicRoute("open", prefix: "/open"), RouteRule(name: "closed", path: .prefix("/closed"), upstream: "up")]
        let gateway = try await GatewayHarness.start(try self.tlsRules(upstreamPort: upstream.port, routes: routes), threads: 2)
        let client = try await HTTP2TestClient.connect(port: gateway.port, caPEM: self.authority.caPEM)
        let results = try await withThrowingTaskGroup(of: (Int, StreamResponse).self) { group in
            for index in 0..<100 {
                group.addTask {
                    if index % 10 == 9 {
                        return (index, try await client.request(path: "/closed/\(index)"))
                    }
                    let body = index % 2 == 0 ? "payload-\(index)" : nil
                    return (index, try await client.request(method: body == nil ? .GET : .POST, path: "/open/\(index)?n=\(index)", body: body))
                }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(results.count == 100)
        for (index, response) in results {
            if index % 10 == 9 {
                #expect(response.status == 401)
                #expect(response.body.contains(#""error":"missing_credential""#))
            } else {
                #expect(response.status == 200, "stream \(index): \(response.body)")
                #expect(response.body.contains("target=/open/\(index)?n=\(index)\n"))
                #expect(response.body.contains("h:x-forwarded-proto=https\n"))
                #expect(response.body.contains("body=\(index % 2 == 0 ? "payload-\(index)".utf8.count : 0)\n"))
                #expect(!response.headers.contains { $0.0.lowercased() == "connection" || $0.0.lowercased() == "transfer-encoding" })
            }
        }
        let records = gateway.audit.all
        #expect(records.count == 100)
        #expect(Set(records.map(\.requestID)).count == 100)
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func httpsUpstreamVerifiedAgainstItsCA() async throws {
        let upstream = try await TestUpstream.start(tls: try NIOSSLContext(configuration: try self.authority.serverConfiguration()))
        let caFile = try self.write("upstream-ca.pem", self.authority.caPEM)
        let routes = [publicRoute("trusted", prefix: "/trusted"), RouteRule(name: "system", path: .prefix("/system"), upstream: "system", isPublic: true)]
        let rules = testRules(upstreamPort: upstream.port, routes: routes) {
            $0.upstreams = [
                UpstreamRule(name: "up", targets: [UpstreamTarget(scheme: .https, host: "127.0.0.1", port: upstream.port)], caFile: caFile),
                UpstreamRule(name: "system", targets: [UpstreamTarget(scheme: .https, host: "127.0.0.1", port: upstream.port)]),
            ]
        }
        let gateway = try await GatewayHarness.start(rules)
        let client = try await RawConnection.connect(port: gateway.port)
        try await client.send("GET /trusted/x HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try await client.readResponse()?.status == 200)
        // Against the system trust store the test CA is unknown: the upstream is not trusted.
        try await client.send("GET /system/x HTTP/1.1\r\nHost: a\r\n\r\n")
        let untrusted = try await client.readResponse()
        #expect(untrusted?.status == 502, "\(String(describing: untrusted?.status)) \(untrusted?.bodyText ?? "nil")")
        #expect(gateway.audit.all.first?.upstream == "https://127.0.0.1:\(upstream.port)")
        await client.close()
        try await gateway.stop()
        await upstream.stop()
    }

    @Test func anUpstreamWhoseCertificateFailsIsSkippedLikeOneThatRefuses() async throws {
        // Two https targets; the first presents a certificate from a CA the gateway does not trust.
        let stranger = try TestCertificateAuthority()
        let untrusted = try await TestUpstream.start(tls: try NIOSSLContext(configuration: try stranger.serverConfiguration()))
        let trusted = try await TestUpstream.start(tls: try NIOSSLContext(configuration: try self.authority.serverConfiguration()))
        let caFile = try self.write("failover-ca.pem", self.authority.caPEM)
        let rules = testRules(upstreamPort: trusted.port, routes: [publicRoute()]) {
            $0.upstreams = [
                UpstreamRule(
                    name: "up",
                    targets: [
                        UpstreamTarget(scheme: .https, host: "127.0.0.1", port: untrusted.port),
                        UpstreamTarget(scheme: .https, host: "127.0.0.1", port: trusted.port),
                    ],
                    caFile: caFile
                )
            ]
        }
        let gateway = try await GatewayHarness.start(rules)
        let client = try await RawConnection.connect(port: gateway.port)
        // The failed handshake counts as a failed connect: the request, not yet sent, goes to the
        // other target, and the untrusted one sits out its cool-down (10 s: on a loaded machine
        // four requests can outlast it, and then one more handshake per cool-down is right).
        let started = ContinuousClock.now
        for index in 0..<4 {
            try await client.send("GET /p/\(index) HTTP/1.1\r\nHost: a\r\n\r\n")
            let response = try #require(try await client.readResponse())
            #expect(response.status == 200, "request \(index): \(response.bodyText)")
        }
        let coolDowns = Int((ContinuousClock.now - started) / .seconds(10))
        #expect(untrusted.connectionsAccepted.value >= 1)
        #expect(untrusted.connectionsAccepted.value <= 1 + coolDowns)
        #expect(gateway.audit.all.allSatisfy { $0.upstream == "https://127.0.0.1:\(trusted.port)" })
        await client.close()
        try await gateway.stop()
        await untrusted.stop()
        await trusted.stop()
    }

}
