import Foundation
import GatewayApp
import NIOCore
import Testing

/// The audit log of a real `gateway run` process: complete under concurrency, continuous
/// across a logrotate-style reopen, on disk after SIGTERM, verifiable, and free of secrets.
@Suite(.timeLimit(.minutes(3))) struct AuditProcessTests {
    /// Secrets a client may send; none may reach the audit file or stderr.
    static let secrets = [
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzZWNyZXQtc3ViamVjdCJ9.c2lnbmF0dXJlLXNlY3JldA",
        "gk_live_APIKEYSECRET0123456789abcdef",
        "sessionCookieSecretValue42",
        "sig1=:U2lnbmF0dXJlU2VjcmV0Qnl0ZXM=:",
        "dXNlcjpiYXNpY3Bhc3N3b3Jk",
        "querySecretToken987",
    ]

    @Test func everyRequestIsAuditedOnceAcrossAReopenAndNoSecretLeaks() async throws {
        let upstream = try await TestUpstream.start()
        let directory = try makeTemporaryDirectory("audit")
        defer { try? FileManager.default.removeItem(at: directory) }
        let auditPath = directory.appendingPathComponent("audit.jsonl").path
        let rotatedPath = directory.appendingPathComponent("audit.jsonl.1").path
        let rulesPath = directory.appendingPathComponent("gateway.conf").path
        try """
        [server]
        listen = "127.0.0.1:0"
        threads = 2

        [audit]
        sink = "\(auditPath)"
        hash_chain = true

        [[upstreams]]
        name = "up"
        targets = ["127.0.0.1:\(upstream.port)"]

        [[routes]]
        name = "open"
        path_prefix = "/open"
        upstream = "up"
        public = true

        [[routes]]
        name = "closed"
        path_prefix = "/closed"
        upstream = "up"
        """.write(toFile: rulesPath, atomically: true, encoding: .utf8)
        let gateway = try await GatewayProcess.start(rulesPath: rulesPath)

        let connections = 8
        let perConnection = 50
        let secrets = Self.secrets
        try await withThrowingTaskGroup(of: Void.self) { group in
            for connection in 0..<connections {
                group.addTask {
                    let client = try await RawConnection.connect(port: gateway.port)
                    for index in 0..<perConnection {
                        let path = index % 3 == 0 ? "/closed/\(index)" : "/open/\(connection)/\(index)"
                        try await client.send(
                            "GET \(path)?token=\(secrets[5]) HTTP/1.1\r\nHost: a\r\n"
                                + "Authorization: Bearer \(secrets[0])\r\nX-API-Key: \(secrets[1])\r\n"
                                + "Cookie: session=\(secrets[2])\r\nSignature: \(secrets[3])\r\n"
                                + "Proxy-Authorization: Basic \(secrets[4])\r\n\r\n"
                        )
                        _ = try #require(try await client.readResponse())
                    }
                    await client.close()
                }
            }
            // Rotate while requests are in flight: rename, then SIGHUP (logrotate's create mode).
            group.addTask {
                try FileManager.default.moveItem(atPath: auditPath, toPath: rotatedPath)
                gateway.signal(SIGHUP)
            }
            try await group.waitForAll()
        }
        #expect(await gateway.terminate() == 0)

        let lines = try [rotatedPath, auditPath].flatMap { path in
            try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        }
        #expect(lines.count == connections * perConnection)
        let records = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let ids = Set(records.map { $0["request_id"] as! String })
        #expect(ids.count == lines.count)
        let seqs = records.map { $0["seq"] as! Int }.sorted()
        #expect(seqs == Array(1...lines.count))
        let closed = records.filter { ($0["path"] as? String)?.hasPrefix("/closed/") == true }
        #expect(closed.count == connections * 17)
        #expect(closed.allSatisfy { $0["decision"] as? String == "deny" })

        let (verifyLines, status) = AuditVerifyCommand.run(paths: [rotatedPath, auditPath])
        #expect(status == 0, "\(verifyLines)")
        #expect(verifyLines.first == "ok: \(lines.count) records")

        let everything = lines.joined(separator: "\n") + gateway.stderr
        for secret in secrets {
            #expect(!everything.contains(secret), "secret leaked: \(secret)")
        }
        await upstream.stop()
    }
}
