/// The `hash` of an `[[api_keys]]` entry: `"sha256:"` and 64 hex digits, the SHA-256 of the key.
enum APIKeyHash {
    static let prefix = "sha256:"

    /// The 32 digest bytes. Hex is decoded by hand: this runs once per key, 100,000 times for a large
    /// `api_keys_file`.
    static func parse(_ text: String) throws(ValueError) -> [UInt8] {
        var utf8 = text.utf8[...]
        guard utf8.starts(with: Self.prefix.utf8) else {
            throw ValueError("must start with \"sha256:\" followed by 64 hex digits")
        }
        utf8 = utf8.dropFirst(Self.prefix.utf8.count)
        guard utf8.count == 64 else {
            throw ValueError("expected 64 hex digits after \"sha256:\", found \(utf8.count)")
        }
        var digest = [UInt8](repeating: 0, count: 32)
        var index = utf8.startIndex
        for position in 0..<32 {
            let high = utf8[index]
            index = utf8.index(after: index)
            let low = utf8[index]
            index = utf8.index(after: index)
            guard let highValue = ASCII.hexValue(high), let lowValue = ASCII.hexValue(low) else {
                throw ValueError("expected 64 hex digits after \"sha256:\" (0-9, a-f)")
            }
            digest[position] = highValue << 4 | lowValue
        }
        return digest
    }
}
