import Foundation
import GatewayTestSupport
import Testing

@testable import GatewayAudit

@Suite("AuditRecordEncoder: RFC 8785 canonical lines")
struct AuditRecordEncoderTests {
    @Test("a full record: members in JCS order, no whitespace, SPEC §5 names")
    func fullRecord() {
        var record = AuditTestSupport.record(1)
        record.seq = 7
        record.jti = "jti-1"
        let text = AuditRecordEncoder.canonicalText(of: record)
        let expected =
            #"{"bytes_in":0,"bytes_out":512,"client":"203.0.113.7","credential":{"id":"partner-acme","kind":"api_key"},"#
            + #""decision":"allow","duration_us":1501,"host":"api.example.com","jti":"jti-1","method":"GET","#
            + #""path":"/orders/1","reason":"ok","request_id":"req-1","route":"orders-read","#
            + #""scopes":["orders:read","orders:list"],"seq":7,"status":200,"subject":"acme","#
            + #""ts":"2026-11-26T15:52:23.124Z","upstream":"127.0.0.1:9000","upstream_us":1200}"#
        #expect(text == expected)
    }

    @Test("absent optionals are null, credential null, empty scopes []")
    func nullFields() {
        let text = AuditRecordEncoder.canonicalText(of: AuditTestSupport.denial(1))
        #expect(text.contains(#""credential":null"#))
        #expect(text.contains(#""route":null"#))
        #expect(text.contains(#""subject":null"#))
        #expect(text.contains(#""jti":null"#))
        #expect(text.contains(#""upstream":null,"upstream_us":null}"#))
        #expect(text.contains(#""scopes":[]"#))
        #expect(text.contains(#""seq":0"#))
    }

    @Test("member names in the order of their UTF-16 code units, hash between duration_us and host")
    func memberOrder() throws {
        var encoder = AuditRecordEncoder()
        let (line, hash) = encoder.line(for: AuditTestSupport.record(2), prev: .zero)
        #expect(hash != nil)
        let names = try Self.memberNames(line)
        #expect(names == names.sorted { $0.utf16.lexicographicallyPrecedes($1.utf16) })
        #expect(
            names == [
                "bytes_in", "bytes_out", "client", "credential", "decision", "duration_us", "hash", "host", "jti",
                "method", "path", "prev", "reason", "request_id", "route", "scopes", "seq", "status", "subject", "ts",
                "upstream", "upstream_us",
            ]
        )
    }

    @Test("strings are escaped exactly as JSON.stringify / JCS does")
    func escapes() {
        var record = AuditTestSupport.denial(1)
        record.path = "/a\"b\\c\u{08}\u{0C}\n\r\t\u{00}\u{01}\u{1F}\u{7F}/é/€/😀/\u{2028}"
        let text = AuditRecordEncoder.canonicalText(of: record)
        let expected = #""path":"/a\"b\\c\b\f\n\r\t\u0000\u0001\u001f"# + "\u{7F}/é/€/😀/\u{2028}\""
        #expect(text.contains(expected))
        // Non-ASCII is written as literal UTF-8, not escaped.
        #expect(Array(text.utf8).contains(0xF0))
    }

    @Test("a string assembled from characters escapes the same")
    func nonContiguousString() {
        var record = AuditTestSupport.denial(1)
        record.host = String("x\"é\u{01}y".lazy.map { $0 })
        #expect(AuditRecordEncoder.canonicalText(of: record).contains(#""host":"x\"é\u0001y""#))
    }

    @Test("integers as plain decimal, negatives with '-', clamped to the I-JSON range")
    func integers() {
        var record = AuditTestSupport.denial(1)
        record.bytesIn = 1_234_567_890_123
        record.bytesOut = Int64.max
        record.durationMicroseconds = -5
        record.upstreamMicroseconds = 0
        let text = AuditRecordEncoder.canonicalText(of: record)
        #expect(text.contains(#""bytes_in":1234567890123,"bytes_out":9007199254740991,"#))
        #expect(text.contains(#""duration_us":-5,"#))
        #expect(text.contains(#""upstream_us":0}"#))
    }

    @Test("hash is the SHA-256 of the line without hash, prev included")
    func hashCoversPrev() throws {
        var encoder = AuditRecordEncoder()
        let record = AuditTestSupport.record(3)
        let (line, hash) = encoder.line(for: record, prev: .zero)
        let unhashed = AuditRecordEncoder.canonicalText(of: record, prev: .zero)
        #expect(unhashed.contains(#""prev":"0000000000000000000000000000000000000000000000000000000000000000""#))
        let recomputed = try #require(hash)
        #expect(recomputed == AuditHash.sha256(of: Array(unhashed.utf8)))
        // The line is the unhashed text with the hash member in its sorted place.
        let withHash = unhashed.replacingOccurrences(
            of: #","host":"#,
            with: #","hash":"\#(recomputed.hex)","host":"#
        )
        #expect(line == withHash)
        // A different prev gives a different hash.
        let other = try #require(encoder.line(for: record, prev: recomputed).hash)
        #expect(other != recomputed)
    }

    @Test("hash equals an independent SHA-256 (Python's hashlib)")
    func hashMatchesIndependentComputation() async throws {
        var encoder = AuditRecordEncoder()
        var record = AuditTestSupport.record(4)
        record.path = "/ünïcode/\u{01}"
        let (_, hash) = encoder.line(for: record, prev: .zero)
        let unhashed = AuditRecordEncoder.canonicalText(of: record, prev: .zero)
        let result = try await Command.run(
            "python3",
            ["-c", "import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())"],
            input: unhashed
        )
        #expect(result.status == 0)
        #expect(result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == hash?.hex)
    }

    @Test("the writer's bounded encoding equals the growable one, worst-case escaping and extremes included")
    func boundedEncodingMatches() throws {
        var record = AuditTestSupport.record(5)
        let controls = String(decoding: (0..<32).map { UInt8($0) } + Array(#""\"#.utf8), as: UTF8.self)
        record.host = String(repeating: controls, count: 20)
        record.path = String(repeating: "\u{0}", count: 300)
        record.scopes = (0..<40).map { _ in "\u{1F}" }
        record.credential = AuditRecord.Credential(kind: controls, id: controls, jkt: controls)
        record.subject = controls
        record.jti = controls
        record.durationMicroseconds = Int64.min
        record.bytesOut = Int64.max
        for prev in [nil, AuditHash.zero] {
            var encoder = AuditRecordEncoder()
            var output: [UInt8] = Array("earlier lines\n".utf8)
            let hash = encoder.appendLine(record, seq: 77, prev: prev, to: &output)
            record.seq = 77
            let unhashed = AuditRecordEncoder.canonicalText(of: record, prev: prev)
            let expected = prev == nil ? unhashed : unhashed.replacingOccurrences(of: #","host":"#, with: #","hash":"\#(hash!.hex)","host":"#)
            #expect(output == Array(("earlier lines\n" + expected + "\n").utf8))
            #expect(AuditRecordEncoder.bound(of: record) >= unhashed.utf8.count)
            record.seq = 0
        }
    }

    @Test("everything but the strings' contents fits well inside the 1,024 bytes the bound counts on")
    func fixedPartFitsTheBound() throws {
        var record = AuditTestSupport.record(6)
        for keyPath in [\AuditRecord.requestID, \.client, \.method, \.host, \.path, \.decision, \.reason] { record[keyPath: keyPath] = "" }
        record.route = ""
        record.subject = ""
        record.jti = ""
        record.upstream = ""
        record.credential = AuditRecord.Credential(kind: "", id: "", jkt: "")
        record.scopes = []
        record.seq = .max
        record.status = .min
        record.timestampMilliseconds = .min
        record.durationMicroseconds = .min
        record.upstreamMicroseconds = .min
        record.bytesIn = .min
        record.bytesOut = .min
        let text = AuditRecordEncoder.canonicalText(of: record, prev: .zero)
        #expect(text.utf8.count <= 600, "\(text.utf8.count) bytes: \(text)")
    }

    @Test("AuditHash: FIPS 180-4 test vector, hex round trip, strict parsing")
    func auditHash() throws {
        let abc = AuditHash.sha256(of: Array("abc".utf8))
        #expect(abc.hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(AuditHash(hex: abc.hex) == abc)
        #expect(AuditHash.zero.hex == String(repeating: "0", count: 64))
        #expect(AuditHash(hex: abc.hex.uppercased()) == nil)
        #expect(AuditHash(hex: String(abc.hex.dropLast())) == nil)
        #expect(AuditHash(hex: abc.hex + "0") == nil)
    }

    @Test("a DPoP request's credential carries jkt between id and kind; others have no jkt member")
    func dpopCredential() throws {
        var record = AuditTestSupport.record(3)
        record.credential = AuditRecord.Credential(kind: "jwt", id: "auth-es256", jkt: "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I")
        let text = AuditRecordEncoder.canonicalText(of: record)
        #expect(text.contains(#""credential":{"id":"auth-es256","jkt":"0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I","kind":"jwt"},"#))
        // Still canonical, and still chained.
        var encoder = AuditRecordEncoder()
        let (line, hash) = encoder.line(for: record, prev: .zero)
        #expect(try JSONReader.parse(Array(line.utf8)).canonicalBytes == Array(line.utf8))
        #expect(hash == AuditHash.sha256(of: Array(AuditRecordEncoder.canonicalText(of: record, prev: .zero).utf8)))
        record.credential = AuditRecord.Credential(kind: "jwt", id: "auth-es256")
        #expect(AuditRecordEncoder.canonicalText(of: record).contains(#""credential":{"id":"auth-es256","kind":"jwt"},"#))
    }

    @Test("the encoder's line equals the canonical form of its own parse")
    func lineIsCanonical() throws {
        var encoder = AuditRecordEncoder()
        var record = AuditTestSupport.record(5)
        record.subject = "ä\u{1F}\"\\"
        let (line, _) = encoder.line(for: record, prev: .zero)
        let value = try JSONReader.parse(Array(line.utf8))
        #expect(value.canonicalBytes == Array(line.utf8))
    }

    /// Member names in the order the line has them (Foundation's parser loses the order).
    private static func memberNames(_ line: String) throws -> [String] {
        let value = try JSONReader.parse(Array(line.utf8))
        guard case .object(let members) = value else { return [] }
        return members.map(\.name)
    }
}
