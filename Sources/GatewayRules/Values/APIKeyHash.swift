/// The `hash` of an `[[api_keys]]` entry: `"sha256:"` and 64 hex digits, the SHA-256 of the key.
enum APIKeyHash {
    static let prefix = "sha256:"

    /// The 32 digest bytes. Hex is decoded by hand: this runs once per key, 100,000 times for a large
    /// `api_keys_file`.
    static func parse(_ text: String) throws(ValueError) -> [UInt8] {
        var text = text
        let parsed = text.withUTF8 { Self.digest(of: $0) }
        switch parsed {
        case .success(let digest): return digest
        case .failure(let error): throw error
        }
    }

    private static func digest(of utf8: UnsafeBufferPointer<UInt8>) -> Result<[UInt8], ValueError> {
        guard utf8.starts(with: Self.prefix.utf8) else {
            return .failure(ValueError("must start with \"sha256:\" followed by 64 hex digits"))
        }
        let hex = utf8.dropFirst(Self.prefix.utf8.count)
        guard hex.count == 64 else {
            return .failure(ValueError("expected 64 hex digits after \"sha256:\", found \(hex.count)"))
        }
        var digest = [UInt8](repeating: 0, count: 32)
        for position in 0..<32 {
            let offset = hex.startIndex + position * 2
            guard let high = HexDigit.value(hex[offset]), let low = HexDigit.value(hex[offset + 1]) else {
                return .failure(ValueError("expected 64 hex digits after \"sha256:\" (0-9, a-f)"))
            }
            digest[position] = high << 4 | low
        }
        return .success(digest)
    }
}
