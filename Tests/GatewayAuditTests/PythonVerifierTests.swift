import Foundation
import GatewayAudit
import GatewayTestSupport
import Testing

/// The Python verifier of docs/audit.md (docs/audit_verify.py) against files the gateway wrote:
/// the documentation is enough for an outside tool to recompute every hash.
@Suite("docs/audit_verify.py")
struct PythonVerifierTests {
    private static let docs = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs")
    private static let script = Self.docs.appendingPathComponent("audit_verify.py").path

    private func verify(_ paths: [String]) async throws -> Command.Result {
        try await Command.run("python3", [Self.script] + paths)
    }

    /// Records with awkward strings: escapes, controls, non-ASCII, nulls.
    private func records() -> [AuditRecord] {
        var records = (1...20).map { AuditTestSupport.record($0) }
        records[3].path = "/quote\"back\\slash\u{01}\u{1F}\u{7F}/é€😀\u{2028}"
        records[4].subject = "tab\there\nnewline"
        records.append(AuditTestSupport.denial(1))
        return records
    }

    @Test("exits 0 on a file the AuditLog wrote, across a reopen and a restart")
    func acceptsWrittenFiles() async throws {
        let directory = try AuditTestSupport.temporaryDirectory()
        let path = directory.appendingPathComponent("audit.log").path
        let rotated = path + ".1"
        let log = try AuditLog(configuration: .init(destination: .file(path: path)))
        for record in self.records() { log.submit(record) }
        try FileManager.default.moveItem(atPath: path, toPath: rotated)
        log.reopen()
        for index in 100..<110 { log.submit(AuditTestSupport.record(index)) }
        await log.shutdown()
        try await AuditTestSupport.writeLog([AuditTestSupport.record(200)], to: path)

        let result = try await self.verify([rotated, path])
        #expect(result.status == 0)
        #expect(result.standardOutput.hasPrefix("ok: 32 records\n"))
        #expect(result.standardOutput.contains("64 zeros"))
        // The Swift verifier agrees.
        #expect(try AuditChainVerifier().verify(paths: [rotated, path]).recordCount == 32)
        // The second file alone continues an earlier one.
        let alone = try await self.verify([path])
        #expect(alone.status == 0)
        #expect(alone.standardOutput.contains("continues an earlier file"))
    }

    @Test("exits 1 on an edited, a deleted and a swapped record, naming the line")
    func rejectsTamperedFiles() async throws {
        let directory = try AuditTestSupport.temporaryDirectory()
        let path = directory.appendingPathComponent("audit.log").path
        try await AuditTestSupport.writeLog(self.records(), to: path)
        let lines = try AuditTestSupport.lines(path)

        var edited = lines
        edited[4] = edited[4].replacingOccurrences(of: "newline", with: "nEwline")
        #expect(edited[4] != lines[4])
        try AuditTestSupport.write(edited, to: path)
        var result = try await self.verify([path])
        #expect(result.status == 1)
        #expect(result.standardOutput.hasPrefix("\(path):5: record edited"))

        var deleted = lines
        deleted.remove(at: 8)
        try AuditTestSupport.write(deleted, to: path)
        result = try await self.verify([path])
        #expect(result.status == 1)
        #expect(result.standardOutput.hasPrefix("\(path):9: chain broken"))

        var swapped = lines
        swapped.swapAt(10, 11)
        try AuditTestSupport.write(swapped, to: path)
        result = try await self.verify([path])
        #expect(result.status == 1)
        #expect(result.standardOutput.hasPrefix("\(path):11: chain broken"))
    }

    @Test("docs/audit.md holds the same script, and its example lines verify")
    func documentation() async throws {
        let markdown = try String(contentsOf: Self.docs.appendingPathComponent("audit.md"), encoding: .utf8)
        let script = try String(contentsOfFile: Self.script, encoding: .utf8)
        #expect(markdown.contains("```python\n" + script))

        let example =
            markdown.components(separatedBy: "```json\n").dropFirst().first?
            .components(separatedBy: "```").first ?? ""
        let lines = example.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        let path = try AuditTestSupport.temporaryDirectory().appendingPathComponent("example.log").path
        try AuditTestSupport.write(lines, to: path)
        let result = try AuditChainVerifier().verify(paths: [path])
        #expect(result.isValid)
        #expect(result.recordCount == 2)
        #expect(try await self.verify([path]).status == 0)
    }
}
