import Foundation
@testable import GatewayApp
import Logging
import Testing

/// `--log-format json` lines: one object per line whatever a message or value holds.
@Suite struct JSONLogHandlerTests {
    @Test func aLineIsOneObjectWhateverItsTextHolds() throws {
        let bytes = JSONLogHandler.line(
            milliseconds: 1_796_169_600_123,
            level: .warning,
            label: "gateway",
            source: "GatewayProxy",
            message: "a \"quoted\"\nsecond line\u{1}",
            metadata: ["target": "orders:80", "nested": .dictionary(["list": .array(["a", "b\n"])])]
        )
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasSuffix("}\n"))
        #expect(text.dropLast().contains("\n") == false)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(object["ts"] as? String == "2026-12-02T00:00:00.123Z")
        #expect(object["level"] as? String == "warning")
        #expect(object["source"] as? String == "GatewayProxy")
        #expect(object["message"] as? String == "a \"quoted\"\nsecond line\u{1}")
        let metadata = try #require(object["metadata"] as? [String: Any])
        #expect(metadata["target"] as? String == "orders:80")
        #expect((metadata["nested"] as? [String: Any])?["list"] as? [String] == ["a", "b\n"])
    }
}
