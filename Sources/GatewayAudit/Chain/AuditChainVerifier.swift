/// Verifies audit files as one hash chain, in the order given: what `gateway audit verify
/// FILE...` runs (SPEC §1, §5, §9 "Audit chain across files").
///
/// For every line: it must be a JSON object in RFC 8785 canonical form; its `hash` must be the
/// SHA-256 of the canonical text of the object without `hash`, recomputed from the line's own
/// members (so members unknown to this version count too); its `prev` must be the `hash` of the
/// record before it — across file boundaries as well. The first record of the first file may
/// start with 64 zeros or continue an earlier file; the result says which. `seq` restarts at 1
/// with every process start and is not part of the linkage.
///
/// The files are streamed line by line. When `prev` does not match, the files are read once
/// more to tell a deleted record from an inserted or a reordered one. A truncated tail (the last
/// records removed) cannot be detected from the files alone.
public struct AuditChainVerifier: Sendable {
    public init() {}

    /// Verifies `paths` as one chain. Throws when a file cannot be opened or read.
    public func verify(paths: [String]) throws(AuditFileError) -> AuditVerification {
        var count = 0
        var start = AuditVerification.Start.none
        var expected: AuditHash?
        for (fileIndex, path) in paths.enumerated() {
            var reader = try AuditLineReader(path: path)
            while let line = try reader.next() {
                let record: ChainedLine
                switch Self.check(line) {
                case .success(let checked): record = checked
                case .failure(let reason, let detail):
                    let chainBreak = AuditChainBreak(
                        file: path,
                        line: reader.lineNumber,
                        reason: reason,
                        detail: detail
                    )
                    return AuditVerification(
                        recordCount: count,
                        start: start,
                        lastHash: expected,
                        chainBreak: chainBreak
                    )
                }
                if let expectedPrev = expected {
                    guard record.prev == expectedPrev else {
                        let chainBreak = try self.diagnoseLinkage(
                            prev: record.prev,
                            expected: expectedPrev,
                            at: (fileIndex, path, reader.lineNumber),
                            in: paths
                        )
                        return AuditVerification(
                            recordCount: count,
                            start: start,
                            lastHash: expected,
                            chainBreak: chainBreak
                        )
                    }
                } else {
                    start = record.prev == .zero ? .newChain : .continuation(of: record.prev)
                }
                expected = record.hash
                count += 1
            }
        }
        return AuditVerification(recordCount: count, start: start, lastHash: expected, chainBreak: nil)
    }

    // MARK: One line

    struct ChainedLine {
        var prev: AuditHash
        var hash: AuditHash
    }

    enum LineCheck {
        case success(ChainedLine)
        case failure(AuditChainBreak.Reason, String)
    }

    /// Checks one line on its own: JSON, canonical, chained, and its hash recomputed.
    static func check(_ line: ArraySlice<UInt8>) -> LineCheck {
        guard !line.isEmpty else { return .failure(.malformed, "empty line") }
        let value: JSONValue
        do {
            value = try JSONReader.parse(line)
        } catch {
            return .failure(.malformed, "not a JSON record: \(error)")
        }
        guard case .object = value else { return .failure(.malformed, "not a JSON object") }
        guard case .string(let hashText)? = value[member: "hash"], let hash = AuditHash(hex: hashText),
            case .string(let prevText)? = value[member: "prev"], let prev = AuditHash(hex: prevText)
        else {
            return .failure(.unchained, "no \"prev\" and \"hash\" of 64 lowercase hex digits")
        }
        let unhashed = value.removingMember("hash").canonicalBytes
        let recomputed = unhashed.withUnsafeBytes { AuditHash.sha256(of: $0) }
        guard recomputed == hash else {
            return .failure(.edited, "hash is \(hash) but the record's content hashes to \(recomputed)")
        }
        guard value.canonicalBytes.elementsEqual(line) else {
            return .failure(.malformed, "the line is not in RFC 8785 canonical form")
        }
        return .success(ChainedLine(prev: prev, hash: hash))
    }

    // MARK: Diagnosis

    /// Tells why `prev` at `position` is not `expected`: it names a later record (reordered), an
    /// earlier one (inserted), or none (deleted).
    private func diagnoseLinkage(
        prev: AuditHash,
        expected: AuditHash,
        at position: (fileIndex: Int, path: String, line: Int),
        in paths: [String]
    ) throws(AuditFileError) -> AuditChainBreak {
        let boundary =
            position.line == 1 && position.fileIndex > 0
            ? " (\(position.path) does not begin where \(paths[position.fileIndex - 1]) ends)" : ""
        let mismatch = "prev is \(prev) but the record before it has hash \(expected)\(boundary)"
        var passedBreak = false
        var earlier: (path: String, line: Int)?
        for (fileIndex, path) in paths.enumerated() {
            var reader = try AuditLineReader(path: path)
            while let line = try reader.next() {
                if fileIndex == position.fileIndex && reader.lineNumber == position.line {
                    passedBreak = true
                    continue
                }
                guard case .success(let record) = Self.check(line), record.hash == prev else { continue }
                if passedBreak {
                    return AuditChainBreak(
                        file: position.path,
                        line: position.line,
                        reason: .outOfOrder,
                        detail: "\(mismatch); the record it follows is at \(path):\(reader.lineNumber)"
                    )
                }
                earlier = (path, reader.lineNumber)
            }
        }
        if let earlier {
            return AuditChainBreak(
                file: position.path,
                line: position.line,
                reason: .insertedRecord,
                detail:
                    "\(mismatch); it follows \(earlier.path):\(earlier.line), so the record(s) between were inserted"
            )
        }
        return AuditChainBreak(
            file: position.path,
            line: position.line,
            reason: .missingRecord,
            detail: "\(mismatch); no record in the files has hash \(prev)"
        )
    }
}
