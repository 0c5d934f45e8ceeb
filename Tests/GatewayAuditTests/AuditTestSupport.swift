import Foundation
import GatewayAudit
import GatewayTestSupport

/// Builders and file helpers shared by the audit tests.
enum AuditTestSupport {
    /// A record with every optional field set, numbered `index` in its request id.
    static func record(_ index: Int, prefix: String = "req") -> AuditRecord {
        AuditRecord(
            timestampMilliseconds: 1_795_708_343_123 + Int64(index),
            requestID: "\(prefix)-\(index)",
            client: "203.0.113.7",
            method: "GET",
            host: "api.example.com",
            path: "/orders/\(index)",
            route: "orders-read",
            decision: "allow",
            reason: "ok",
            status: 200,
            credential: AuditRecord.Credential(kind: "api_key", id: "partner-acme"),
            subject: "acme",
            scopes: ["orders:read", "orders:list"],
            jti: nil,
            upstream: "127.0.0.1:9000",
            durationMicroseconds: 1500 + Int64(index),
            upstreamMicroseconds: 1200,
            bytesIn: 0,
            bytesOut: 512
        )
    }

    /// A record of a denial: the optional fields absent.
    static func denial(_ index: Int) -> AuditRecord {
        AuditRecord(
            timestampMilliseconds: 1_795_708_343_123,
            requestID: "deny-\(index)",
            client: "198.51.100.1",
            method: "POST",
            host: "api.example.com",
            path: "/admin",
            route: nil,
            decision: "deny",
            reason: "no_route",
            status: 404,
            durationMicroseconds: 80,
            bytesIn: 0,
            bytesOut: 61
        )
    }

    /// A fresh empty directory under the test process's scratch root, removed when the process
    /// exits.
    static func temporaryDirectory() throws -> URL {
        try ScratchDirectory.make("gateway-audit-tests")
    }

    /// The file's lines, without the final newline's empty remainder.
    static func lines(_ path: String) throws -> [String] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    static func write(_ lines: [String], to path: String) throws {
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
    }

    /// The line's members (via Foundation's parser: an outside view of the line).
    static func object(_ line: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
        return object as? [String: Any] ?? [:]
    }

    /// Writes `records` through an `AuditLog` at `path` and shuts it down.
    static func writeLog(_ records: [AuditRecord], to path: String) async throws {
        let log = try AuditLog(configuration: .init(destination: .file(path: path)))
        for record in records { log.submit(record) }
        await log.shutdown()
    }
}
