import Crypto

/// Checks content against a `ContentDigest` as it streams (RFC 9530): feed every chunk to
/// `update`, then ask `finish`.
///
/// Holds only the running hash states (no copy of the content), so the proxy can hash each
/// chunk as it arrives and hold the chunks itself until the answer is known (SPEC §9 "Bodies":
/// a request whose signature covers `content-digest` is held until the digest is checked).
public struct ContentDigestVerifier: Sendable {
    private let expected: ContentDigest
    private var sha256: SHA256?
    private var sha512: SHA512?
    /// Content bytes seen so far.
    public private(set) var byteCount = 0

    public init(_ expected: ContentDigest) {
        self.expected = expected
        self.sha256 = expected.sha256 == nil ? nil : SHA256()
        self.sha512 = expected.sha512 == nil ? nil : SHA512()
    }

    /// Hashes the next chunk of content.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        self.byteCount += bytes.count
        self.sha256?.update(bufferPointer: bytes)
        self.sha512?.update(bufferPointer: bytes)
    }

    /// Hashes the next chunk of content.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { self.update($0) }
    }

    /// Whether the content seen equals every digest the field gave. The verifier can be updated
    /// and asked again afterwards (each answer covers everything seen so far).
    public func finish() -> Bool {
        var matches = true
        if let hasher = self.sha256, let expected = self.expected.sha256 {
            matches =
                hasher.finalize().withUnsafeBytes { actual in
                    expected.withUnsafeBytes { ConstantTime.equal(actual, $0) }
                } && matches
        }
        if let hasher = self.sha512, let expected = self.expected.sha512 {
            matches =
                hasher.finalize().withUnsafeBytes { actual in
                    expected.withUnsafeBytes { ConstantTime.equal(actual, $0) }
                } && matches
        }
        return matches
    }
}
