import Crypto
import RawStructuredFieldValues

/// A `Content-Digest` field (RFC 9530 §2): an RFC 8941 dictionary whose keys name hash
/// algorithms and whose values are byte sequences, the digest of the message content.
///
/// The gateway checks `sha-256` and `sha-512` (RFC 9530 §5's "Active" algorithms). Other keys
/// are ignored as §2 allows (a recipient may ignore algorithms it does not support), but at
/// least one of the two must be there. When both are, both are checked.
public struct ContentDigest: Sendable, Hashable {
    /// The 32-byte SHA-256 of the content, if the field has `sha-256`.
    public var sha256: [UInt8]?
    /// The 64-byte SHA-512 of the content, if the field has `sha-512`.
    public var sha512: [UInt8]?

    public init(sha256: [UInt8]? = nil, sha512: [UInt8]? = nil) {
        self.sha256 = sha256
        self.sha512 = sha512
    }

    /// Parses a field value (several lines combined with ", ").
    ///
    /// Throws `malformed_credential` for a value that is not a dictionary, a `sha-256` or
    /// `sha-512` member that is not a byte sequence of the right length, or no such member.
    public init(parsing fieldValue: String) throws(SignatureVerificationError) {
        guard let dictionary = StructuredFields.dictionary(fieldValue) else {
            throw .malformed("Content-Digest is not a structured dictionary (RFC 9530 §2)")
        }
        var sha256: [UInt8]? = nil
        var sha512: [UInt8]? = nil
        for (algorithm, member) in dictionary {
            let expectedCount: Int
            switch algorithm {
            case "sha-256": expectedCount = SHA256.byteCount
            case "sha-512": expectedCount = SHA512.byteCount
            default: continue
            }
            guard case .item(let item) = member, case .undecodedByteSequence(let encoded) = item.rfc9651BareItem,
                let digest = Base64.decode(encoded), digest.count == expectedCount
            else {
                throw .malformed("Content-Digest \(algorithm) is not a byte sequence of \(expectedCount) bytes")
            }
            if expectedCount == SHA256.byteCount { sha256 = digest } else { sha512 = digest }
        }
        guard sha256 != nil || sha512 != nil else {
            throw .malformed("Content-Digest has neither sha-256 nor sha-512")
        }
        self.init(sha256: sha256, sha512: sha512)
    }

    /// The algorithms a `Content-Digest` can be written with.
    public enum Algorithm: String, Sendable, Hashable, CaseIterable {
        case sha256 = "sha-256"
        case sha512 = "sha-512"
    }

    /// The field value for `content` (`sha-256=:…:`), for signers.
    public static func fieldValue(for content: some Sequence<UInt8>, algorithm: Algorithm = .sha256) -> String {
        let bytes = Array(content)
        let digest: [UInt8]
        switch algorithm {
        case .sha256: digest = Array(SHA256.hash(data: bytes))
        case .sha512: digest = Array(SHA512.hash(data: bytes))
        }
        return "\(algorithm.rawValue)=:\(Base64.encode(digest)):"
    }
}

extension SHA256 {
    fileprivate static var byteCount: Int { SHA256.Digest.byteCount }
}

extension SHA512 {
    fileprivate static var byteCount: Int { SHA512.Digest.byteCount }
}
