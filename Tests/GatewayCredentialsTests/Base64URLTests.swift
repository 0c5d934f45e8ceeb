import Foundation
import Testing

@testable import GatewayCredentials

@Suite struct Base64URLTests {
    private func decode(_ text: String) -> [UInt8]? {
        Array(text.utf8).withUnsafeBytes { Base64URL.decode($0) }
    }

    @Test func roundTripsAgainstFoundation() {
        var generator = SystemRandomNumberGenerator()
        for count in 0..<70 {
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let encoded = Base64URL.encode(bytes)
            #expect(encoded == b64url(bytes))
            #expect(self.decode(encoded) == bytes)
        }
    }

    @Test func rfc4648TestVectors() {
        // RFC 4648 §10, without padding.
        let vectors = [
            ("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ]
        for (plain, encoded) in vectors {
            #expect(self.decode(encoded) == Array(plain.utf8))
            #expect(Base64URL.encode(Array(plain.utf8)) == encoded)
        }
        #expect(self.decode("-_-_") == [0xFB, 0xFF, 0xBF])
    }

    @Test func rejectsWhatIsNotCanonicalBase64URL() {
        for text in ["Zg==", "Zm8=", "+/+/", "Zm9v\n", "Zm 9v", "A", "Zm9vY", "Zh", "Zm9", "Zm9vYmF", "Zm9vYmE$"] {
            #expect(self.decode(text) == nil, "\(text)")
        }
    }
}
