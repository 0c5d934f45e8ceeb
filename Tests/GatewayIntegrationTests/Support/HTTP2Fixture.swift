import Foundation
import GatewayRules

/// What the HTTP/2 suites share: a certificate authority made at test time, the gateway's
/// certificate and key on disk, and a gateway serving HTTPS (ALPN h2 and http/1.1) before a
/// `TestUpstream`.
struct HTTP2Fixture {
    let authority: TestCertificateAuthority
    let directory: URL

    init(_ name: String) throws {
        self.authority = try TestCertificateAuthority()
        self.directory = try makeTemporaryDirectory(name)
    }

    var caPEM: String { self.authority.caPEM }

    /// Writes `text` into the fixture's folder; returns its path.
    func write(_ name: String, _ text: String) throws -> String {
        let path = self.directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The `[server] tls` rule presenting the fixture's certificate.
    func tls() throws -> TLSRules {
        TLSRules(
            certFile: try self.write("server.pem", self.authority.serverCertificatePEM),
            keyFile: try self.write("server.key", self.authority.serverKeyPEM)
        )
    }

    /// Rules for `routes` before the upstream at `upstreamPort`, served over TLS.
    func rules(upstreamPort: Int, routes: [RouteRule], configure: (inout Rules) -> Void = { _ in }) throws -> Rules {
        let tls = try self.tls()
        return testRules(upstreamPort: upstreamPort, routes: routes) { rules in
            rules.server.tls = tls
            configure(&rules)
        }
    }

    /// A test upstream and an in-process gateway before it.
    func start(
        routes: [RouteRule] = [publicRoute()],
        threads: Int = 1,
        configure: (inout Rules) -> Void = { _ in }
    ) async throws -> (TestUpstream, GatewayHarness) {
        let upstream = try await TestUpstream.start()
        let rules = try self.rules(upstreamPort: upstream.port, routes: routes, configure: configure)
        return (upstream, try await GatewayHarness.start(rules, threads: threads))
    }

    func client(_ gateway: GatewayHarness) async throws -> HTTP2TestClient {
        try await HTTP2TestClient.connect(port: gateway.port, caPEM: self.caPEM)
    }

    /// A raw connection whose server SETTINGS arrived (and were ACKed).
    func raw(_ port: Int) async throws -> RawHTTP2Connection {
        let connection = try await RawHTTP2Connection.connect(port: port, caPEM: self.caPEM)
        guard await connection.waitForServerSettings() != nil else { throw TestError("no SETTINGS from the gateway") }
        return connection
    }
}
