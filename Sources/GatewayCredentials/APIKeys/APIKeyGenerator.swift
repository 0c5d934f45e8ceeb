import Crypto

/// `gateway key new`: a fresh API key and the `[[api_keys]]` block that holds only its hash.
public enum APIKeyGenerator {
    public static let defaultPrefix = "gk"
    /// 256 bits.
    public static let keyBytes = 32

    /// A new key: 256 bits from the system CSPRNG (`SystemRandomNumberGenerator`: `getrandom(2)`
    /// on Linux, `arc4random_buf` on Darwin), printed as `<prefix>_<base64url>` — 43 characters
    /// after the prefix, no padding, safe in a header, a shell and a URL.
    ///
    /// - Parameter prefix: 1–16 ASCII letters or digits, so keys are recognisable in a leak scan.
    public static func generate(
        prefix: String = APIKeyGenerator.defaultPrefix
    ) throws(APIKeyPrefixError) -> GeneratedAPIKey {
        guard Self.isValidPrefix(prefix) else { throw APIKeyPrefixError(prefix: prefix) }
        var generator = SystemRandomNumberGenerator()
        var random: [UInt8] = []
        random.reserveCapacity(Self.keyBytes)
        for _ in 0..<Self.keyBytes / 8 {
            withUnsafeBytes(of: generator.next() as UInt64) { random.append(contentsOf: $0) }
        }
        let key = "\(prefix)_\(Base64URL.encode(random))"
        return GeneratedAPIKey(key: key, hash: Self.hash(of: key))
    }

    public static func isValidPrefix(_ prefix: String) -> Bool {
        (1...16).contains(prefix.utf8.count)
            && prefix.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            }
    }

    /// The SHA-256 of a key's text, as `[[api_keys]] hash` holds it.
    public static func hash(of key: some StringProtocol) -> [UInt8] {
        Array(SHA256.hash(data: Array(key.utf8)))
    }

    /// `sha256:` and 64 lowercase hex digits (SPEC §2).
    public static func hashText(_ hash: [UInt8]) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var text: [UInt8] = Array("sha256:".utf8)
        for byte in hash {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// A key from `APIKeyGenerator.generate`. `key` is shown to the operator once and stored nowhere.
public struct GeneratedAPIKey: Sendable {
    /// The key to hand to the client (`X-API-Key: <key>`).
    public let key: String
    /// Its SHA-256.
    public let hash: [UInt8]

    /// `sha256:<64 hex digits>`.
    public var hashText: String { APIKeyGenerator.hashText(self.hash) }

    /// The `[[api_keys]]` TOML block for the rules file (SPEC §2): `id`, `hash`, `scopes`, and
    /// `subject` when given. It holds the hash only, never the key.
    public func tomlBlock(id: String, scopes: [String] = [], subject: String? = nil) -> String {
        var lines = [
            "[[api_keys]]",
            "id = \(TOMLString.quoted(id))",
            "hash = \(TOMLString.quoted(self.hashText))",
            "scopes = [\(scopes.map(TOMLString.quoted).joined(separator: ", "))]",
        ]
        if let subject { lines.append("subject = \(TOMLString.quoted(subject))") }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The `--prefix` given is not 1–16 ASCII letters or digits.
public struct APIKeyPrefixError: Error, Sendable, Hashable, CustomStringConvertible {
    public var prefix: String
    public var description: String { "prefix must be 1-16 ASCII letters or digits" }
}

/// TOML basic strings (TOML 1.0 "String"): `"` and `\` escaped, control characters as `\uXXXX`.
enum TOMLString {
    static func quoted(_ value: String) -> String {
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            case "\u{0}"..."\u{1F}", "\u{7F}":
                let hex = String(scalar.value, radix: 16, uppercase: true)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
