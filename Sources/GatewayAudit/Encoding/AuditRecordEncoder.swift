/// Writes an `AuditRecord` as one line of RFC 8785 canonical JSON (JCS), the form SPEC §5 fixes
/// for the audit log, and computes its link of the hash chain.
///
/// The members are written in JCS order (RFC 8785 §3.2.3: sorted by UTF-16 code units; every
/// name here is ASCII, so that is byte order) without whitespace, straight into a reused byte
/// buffer: no `JSONEncoder`, no dictionary, no intermediate strings. With the chain, `hash` is
/// the lowercase hex SHA-256 of the JCS text of the record *without* its `hash` member (which
/// includes `prev`); the written line is the JCS text *with* `hash`, which sorts between
/// `duration_us` and `host`.
///
/// A value type holding only its scratch buffer: each writer owns one.
public struct AuditRecordEncoder: Sendable {
    /// Where a record's text is written before it is hashed and appended to the output. Its
    /// `count` only grows (to the largest bound met so far), so a record is written into memory
    /// that is already there: reserving a record's bound in the output itself zero-filled some
    /// 1,600 bytes on every record and trimmed them again.
    private var scratch: [UInt8] = []

    public init() {
        self.scratch = Array(repeating: 0, count: 2048)
    }

    /// The JCS text of `record` with `prev` (when given) and without `hash`: the bytes whose
    /// SHA-256 is the record's `hash`.
    public static func canonicalText(of record: AuditRecord, prev: AuditHash? = nil) -> String {
        var bytes: [UInt8] = []
        _ = Self.appendUnhashed(record, prev: prev, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The line the log holds for `record` (without the newline) and, when chained (`prev` given),
    /// its hash.
    public mutating func line(for record: AuditRecord, prev: AuditHash?) -> (text: String, hash: AuditHash?) {
        var bytes: [UInt8] = []
        let hash = self.appendLine(record, prev: prev, to: &bytes)
        bytes.removeLast()
        return (String(decoding: bytes, as: UTF8.self), hash)
    }

    /// Appends the line for `record` and a `\n` to `output`. With `prev` the record is chained:
    /// `prev` and `hash` are members and the hash is returned; without it neither is written and
    /// the result is `nil`. `seq`, when given, is written in place of `record.seq` (the writer
    /// numbers records without copying them).
    public mutating func appendLine(_ record: AuditRecord, seq: UInt64? = nil, prev: AuditHash?, to output: inout [UInt8]) -> AuditHash? {
        let bound = Self.bound(of: record)
        if self.scratch.count < bound {
            self.scratch.append(contentsOf: repeatElement(0, count: bound - self.scratch.count))
        }
        return self.scratch.withUnsafeMutableBufferPointer { scratch in
            var cursor = JSONCursor(scratch)
            let split = Self.appendUnhashed(record, seq: seq, prev: prev, to: &cursor)
            let text = UnsafeBufferPointer(rebasing: scratch[..<cursor.count])
            guard prev != nil else {
                output.append(contentsOf: text)
                output.append(UInt8(ascii: "\n"))
                return nil
            }
            let hash = AuditHash.sha256(of: UnsafeRawBufferPointer(text))
            output.append(contentsOf: UnsafeBufferPointer(rebasing: text[..<split]))
            // `,"hash":"` and 64 hex digits and `"`, written on the stack and appended at once.
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 74) { member in
                var cursor = JSONCursor(member)
                CanonicalJSON.appendRaw(",\"hash\":\"", to: &cursor)
                hash.appendHex(to: &cursor)
                cursor.append(UInt8(ascii: "\""))
                output.append(contentsOf: UnsafeBufferPointer(rebasing: member[..<cursor.count]))
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: text[split...]))
            output.append(UInt8(ascii: "\n"))
            return hash
        }
    }

    /// The most bytes `appendUnhashed` can write for `record`: the member names, punctuation,
    /// quotes, numbers (at their longest), timestamp and `prev` take under 600 (1,024 leaves room
    /// for a member added later); each byte of a string at most 6 (`\u00xx`).
    static func bound(of record: AuditRecord) -> Int {
        var stringBytes = record.requestID.utf8.count + record.client.utf8.count + record.method.utf8.count
        stringBytes += record.host.utf8.count + record.path.utf8.count + record.decision.utf8.count
        stringBytes += record.reason.utf8.count + (record.route?.utf8.count ?? 0) + (record.subject?.utf8.count ?? 0)
        stringBytes += (record.jti?.utf8.count ?? 0) + (record.upstream?.utf8.count ?? 0)
        if let credential = record.credential {
            stringBytes += credential.kind.utf8.count + credential.id.utf8.count + (credential.jkt?.utf8.count ?? 0)
        }
        for scope in record.scopes { stringBytes += scope.utf8.count + 3 }
        return 1024 + 6 * stringBytes
    }

    /// Appends the JCS text of `record` without `hash` and returns the offset in `buffer` where
    /// the `hash` member belongs (just before `,"host"`).
    static func appendUnhashed<Output: JSONOutput>(
        _ record: AuditRecord,
        seq: UInt64? = nil,
        prev: AuditHash?,
        to buffer: inout Output
    ) -> Int {
        CanonicalJSON.appendRaw("{\"bytes_in\":", to: &buffer)
        CanonicalJSON.appendInteger(record.bytesIn, to: &buffer)
        CanonicalJSON.appendRaw(",\"bytes_out\":", to: &buffer)
        CanonicalJSON.appendInteger(record.bytesOut, to: &buffer)
        CanonicalJSON.appendRaw(",\"client\":", to: &buffer)
        CanonicalJSON.appendString(record.client, to: &buffer)
        CanonicalJSON.appendRaw(",\"credential\":", to: &buffer)
        if let credential = record.credential {
            // "id" < "jkt" < "kind"; `jkt` only for a DPoP request.
            CanonicalJSON.appendRaw("{\"id\":", to: &buffer)
            CanonicalJSON.appendString(credential.id, to: &buffer)
            if let jkt = credential.jkt {
                CanonicalJSON.appendRaw(",\"jkt\":", to: &buffer)
                CanonicalJSON.appendString(jkt, to: &buffer)
            }
            CanonicalJSON.appendRaw(",\"kind\":", to: &buffer)
            CanonicalJSON.appendString(credential.kind, to: &buffer)
            buffer.append(UInt8(ascii: "}"))
        } else {
            CanonicalJSON.appendRaw("null", to: &buffer)
        }
        CanonicalJSON.appendRaw(",\"decision\":", to: &buffer)
        CanonicalJSON.appendString(record.decision, to: &buffer)
        CanonicalJSON.appendRaw(",\"duration_us\":", to: &buffer)
        CanonicalJSON.appendInteger(record.durationMicroseconds, to: &buffer)
        let split = buffer.count
        CanonicalJSON.appendRaw(",\"host\":", to: &buffer)
        CanonicalJSON.appendString(record.host, to: &buffer)
        CanonicalJSON.appendRaw(",\"jti\":", to: &buffer)
        Self.appendOptional(record.jti, to: &buffer)
        CanonicalJSON.appendRaw(",\"method\":", to: &buffer)
        CanonicalJSON.appendString(record.method, to: &buffer)
        CanonicalJSON.appendRaw(",\"path\":", to: &buffer)
        CanonicalJSON.appendString(record.path, to: &buffer)
        if let prev {
            CanonicalJSON.appendRaw(",\"prev\":\"", to: &buffer)
            prev.appendHex(to: &buffer)
            buffer.append(UInt8(ascii: "\""))
        }
        CanonicalJSON.appendRaw(",\"reason\":", to: &buffer)
        CanonicalJSON.appendString(record.reason, to: &buffer)
        CanonicalJSON.appendRaw(",\"request_id\":", to: &buffer)
        CanonicalJSON.appendString(record.requestID, to: &buffer)
        CanonicalJSON.appendRaw(",\"route\":", to: &buffer)
        Self.appendOptional(record.route, to: &buffer)
        CanonicalJSON.appendRaw(",\"scopes\":[", to: &buffer)
        for (index, scope) in record.scopes.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: ",")) }
            CanonicalJSON.appendString(scope, to: &buffer)
        }
        CanonicalJSON.appendRaw("],\"seq\":", to: &buffer)
        CanonicalJSON.appendInteger(seq ?? record.seq, to: &buffer)
        CanonicalJSON.appendRaw(",\"status\":", to: &buffer)
        CanonicalJSON.appendInteger(Int64(record.status), to: &buffer)
        CanonicalJSON.appendRaw(",\"subject\":", to: &buffer)
        Self.appendOptional(record.subject, to: &buffer)
        CanonicalJSON.appendRaw(",\"ts\":\"", to: &buffer)
        RFC3339Timestamp.append(milliseconds: record.timestampMilliseconds, to: &buffer)
        CanonicalJSON.appendRaw("\",\"upstream\":", to: &buffer)
        Self.appendOptional(record.upstream, to: &buffer)
        CanonicalJSON.appendRaw(",\"upstream_us\":", to: &buffer)
        if let upstreamMicroseconds = record.upstreamMicroseconds {
            CanonicalJSON.appendInteger(upstreamMicroseconds, to: &buffer)
        } else {
            CanonicalJSON.appendRaw("null", to: &buffer)
        }
        buffer.append(UInt8(ascii: "}"))
        return split
    }

    private static func appendOptional<Output: JSONOutput>(_ string: String?, to buffer: inout Output) {
        if let string {
            CanonicalJSON.appendString(string, to: &buffer)
        } else {
            CanonicalJSON.appendRaw("null", to: &buffer)
        }
    }
}
