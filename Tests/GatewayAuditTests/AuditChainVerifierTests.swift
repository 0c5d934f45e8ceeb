import Foundation
import GatewayAudit
import Testing

@Suite("AuditChainVerifier: gateway audit verify")
struct AuditChainVerifierTests {
    /// A file of `count` records written by an `AuditLog`, and its lines.
    private func writtenFile(count: Int = 10) async throws -> (path: String, lines: [String]) {
        let path = try AuditTestSupport.temporaryDirectory().appendingPathComponent("audit.log").path
        try await AuditTestSupport.writeLog((1...count).map { AuditTestSupport.record($0) }, to: path)
        return (path, try AuditTestSupport.lines(path))
    }

    @Test("a file the log wrote verifies and starts a new chain")
    func writtenFileVerifies() async throws {
        let (path, lines) = try await self.writtenFile()
        #expect(lines.count == 10)
        let result = try AuditChainVerifier().verify(paths: [path])
        #expect(result.isValid)
        #expect(result.recordCount == 10)
        #expect(result.start == .newChain)
        #expect(result.description.hasPrefix("ok: 10 records\n"))
        #expect(result.lastHash?.hex == (try AuditTestSupport.object(lines[9])["hash"] as? String))
    }

    @Test("an edited record is found at its line")
    func editedRecord() async throws {
        let (path, lines) = try await self.writtenFile()
        var edited = lines
        edited[6] = edited[6].replacingOccurrences(of: #""status":200"#, with: #""status":201"#)
        #expect(edited[6] != lines[6])
        try AuditTestSupport.write(edited, to: path)
        let result = try AuditChainVerifier().verify(paths: [path])
        #expect(!result.isValid)
        #expect(result.chainBreak?.line == 7)
        #expect(result.chainBreak?.file == path)
        #expect(result.chainBreak?.reason == .edited)
        #expect(result.recordCount == 6)
        #expect(result.description.hasPrefix("\(path):7: record edited"))
    }

    @Test("a deleted record is found at the line after the gap")
    func deletedRecord() async throws {
        let (path, lines) = try await self.writtenFile()
        var shortened = lines
        shortened.remove(at: 4)
        try AuditTestSupport.write(shortened, to: path)
        let result = try AuditChainVerifier().verify(paths: [path])
        #expect(result.chainBreak?.line == 5)
        #expect(result.chainBreak?.reason == .missingRecord)
    }

    @Test("swapped records are found at the first of them")
    func swappedRecords() async throws {
        let (path, lines) = try await self.writtenFile()
        var swapped = lines
        swapped.swapAt(2, 3)
        try AuditTestSupport.write(swapped, to: path)
        let result = try AuditChainVerifier().verify(paths: [path])
        #expect(result.chainBreak?.line == 3)
        #expect(result.chainBreak?.reason == .outOfOrder)
        #expect(result.chainBreak?.detail.contains("\(path):4") == true)
    }

    @Test("a duplicated (inserted) record is found")
    func insertedRecord() async throws {
        let (path, lines) = try await self.writtenFile()
        var duplicated = lines
        duplicated.insert(lines[5], at: 6)
        try AuditTestSupport.write(duplicated, to: path)
        let result = try AuditChainVerifier().verify(paths: [path])
        #expect(result.chainBreak?.line == 7)
        #expect(result.chainBreak?.reason == .insertedRecord)
    }

    @Test("a record re-hashed after editing breaks the link of the next one")
    func rehashedRecord() async throws {
        let (path, lines) = try await self.writtenFile()
        // Rewrite record 4 with another status and a freshly computed hash, as an attacker would.
        let prev = try #require(AuditHash(hex: try AuditTestSupport.object(lines[3])["prev"] as? String ?? ""))
        var record = AuditTestSupport.record(4)
        record.seq = 4
        #expect(AuditRecordEncoder().lineText(record, prev: prev) == lines[3])
        record.status = 500
        var forged = lines
        forged[3] = AuditRecordEncoder().lineText(record, prev: prev)
        #expect(forged[3] != lines[3])
        try AuditTestSupport.write(forged, to: path)
        let result = try AuditChainVerifier().verify(paths: [path])
        #expect(result.chainBreak?.line == 5)
        #expect(result.chainBreak?.reason == .missingRecord)
    }

    @Test("whitespace added to a record: not canonical")
    func notCanonical() async throws {
        let (path, lines) = try await self.writtenFile()
        var spaced = lines
        spaced[1] = spaced[1].replacingOccurrences(of: #","host":"#, with: #", "host":"#)
        try AuditTestSupport.write(spaced, to: path)
        let result = try AuditChainVerifier().verify(paths: [path])
        #expect(result.chainBreak?.line == 2)
        #expect(result.chainBreak?.reason == .malformed)
    }

    @Test("a line that is not JSON, and an unchained record")
    func malformedAndUnchained() async throws {
        let (path, lines) = try await self.writtenFile()
        try AuditTestSupport.write(Array(lines[0..<3]) + ["not json"], to: path)
        #expect(try AuditChainVerifier().verify(paths: [path]).chainBreak?.reason == .malformed)

        let unchained = AuditRecordEncoder.canonicalText(of: AuditTestSupport.record(1))
        try AuditTestSupport.write([unchained], to: path)
        let result = try AuditChainVerifier().verify(paths: [path])
        #expect(result.chainBreak?.reason == .unchained)
        #expect(result.chainBreak?.line == 1)
    }

    @Test("files as one chain: the order matters, and the start is reported")
    func severalFiles() async throws {
        let (path, lines) = try await self.writtenFile()
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        let first = directory.appendingPathComponent("a.log").path
        let second = directory.appendingPathComponent("b.log").path
        try AuditTestSupport.write(Array(lines[0..<4]), to: first)
        try AuditTestSupport.write(Array(lines[4...]), to: second)

        let inOrder = try AuditChainVerifier().verify(paths: [first, second])
        #expect(inOrder.isValid)
        #expect(inOrder.recordCount == 10)

        let secondAlone = try AuditChainVerifier().verify(paths: [second])
        #expect(secondAlone.isValid)
        let lastOfFirst = try #require(AuditHash(hex: try AuditTestSupport.object(lines[3])["hash"] as? String ?? ""))
        #expect(secondAlone.start == .continuation(of: lastOfFirst))
        #expect(secondAlone.description.contains("continues an earlier file whose last hash is \(lastOfFirst)"))

        let reversed = try AuditChainVerifier().verify(paths: [second, first])
        #expect(reversed.chainBreak?.file == first)
        #expect(reversed.chainBreak?.line == 1)
        #expect(reversed.chainBreak?.detail.contains("does not begin where") == true)

        // A file missing between two others.
        let third = directory.appendingPathComponent("c.log").path
        try AuditTestSupport.write(Array(lines[0..<2]), to: first)
        try AuditTestSupport.write(Array(lines[2..<6]), to: second)
        try AuditTestSupport.write(Array(lines[6...]), to: third)
        let gap = try AuditChainVerifier().verify(paths: [first, third])
        #expect(gap.chainBreak?.file == third)
        #expect(gap.chainBreak?.reason == .missingRecord)
        #expect(try AuditChainVerifier().verify(paths: [first, second, third]).recordCount == 10)
    }

    @Test("an empty file verifies as 0 records; a missing file throws")
    func emptyAndMissing() throws {
        let directory = try AuditTestSupport.temporaryDirectory()
        let empty = directory.appendingPathComponent("empty.log").path
        #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
        let result = try AuditChainVerifier().verify(paths: [empty])
        #expect(result.isValid)
        #expect(result.recordCount == 0)
        #expect(result.description == "ok: 0 records")
        #expect(throws: AuditFileError.self) {
            try AuditChainVerifier().verify(paths: [directory.appendingPathComponent("missing.log").path])
        }
    }
}

extension AuditRecordEncoder {
    fileprivate func lineText(_ record: AuditRecord, prev: AuditHash) -> String {
        var encoder = self
        return encoder.line(for: record, prev: prev).text
    }
}
