import Crypto
public import GatewayRules

/// `[[api_keys]]` (inline and `api_keys_file`), looked up by the SHA-256 of the presented key
/// (SPEC §3). The keys themselves are never stored.
///
/// Built once per rules snapshot, immutable, `Sendable`. Lookup hashes the presented key, finds
/// candidates by the digest's first 8 bytes in a dictionary, and compares the full 32 bytes in
/// constant time.
public struct APIKeyTable: Sendable {
    private struct Entry: Sendable {
        var hash: [UInt8]
        var match: APIKeyMatch
        var expires: Int64?
        var disabled: Bool
        /// The next entry whose hash has the same first 8 bytes, or -1.
        var nextSamePrefix: Int32
    }

    private var entries: [Entry]
    /// First 8 bytes of the hash → the first entry with that prefix.
    private var byPrefix: [UInt64: Int32]

    /// Builds the table; throws for a hash that is not 32 bytes or that two entries share.
    /// Key paths are `api_keys[N](id).hash`, N counting from 1 over `rules` (inline keys first,
    /// then `api_keys_file`'s, as `Rules.apiKeys` holds them).
    public init(_ rules: [APIKeyRule]) throws(KeyLoadError) {
        var entries: [Entry] = []
        entries.reserveCapacity(rules.count)
        var byPrefix: [UInt64: Int32] = Dictionary(minimumCapacity: rules.count)
        var problems: [KeyLoadError.Problem] = []
        for (position, rule) in rules.enumerated() {
            let keyPath = "api_keys[\(position + 1)](\(rule.id)).hash"
            guard rule.hash.count == 32 else {
                problems.append(.init(keyPath: keyPath, message: "a SHA-256 hash is 32 bytes, not \(rule.hash.count)"))
                continue
            }
            let prefix = Self.prefix(rule.hash)
            var duplicate: Int32 = -1
            var cursor = byPrefix[prefix] ?? -1
            while cursor >= 0 {
                if entries[Int(cursor)].hash == rule.hash {
                    duplicate = cursor
                    break
                }
                cursor = entries[Int(cursor)].nextSamePrefix
            }
            if duplicate >= 0 {
                problems.append(
                    .init(keyPath: keyPath, message: "the same key hash as \(entries[Int(duplicate)].match.id)")
                )
                continue
            }
            entries.append(
                Entry(
                    hash: rule.hash,
                    match: APIKeyMatch(id: rule.id, subject: rule.subject, scopes: rule.scopes),
                    expires: rule.expires,
                    disabled: rule.disabled,
                    nextSamePrefix: byPrefix[prefix] ?? -1
                )
            )
            byPrefix[prefix] = Int32(entries.count - 1)
        }
        if !problems.isEmpty { throw KeyLoadError(problems: problems) }
        self.entries = entries
        self.byPrefix = byPrefix
    }

    /// The number of keys (SPEC §1 `gateway check`'s A).
    public var count: Int { self.entries.count }

    /// Looks up the value of an `X-API-Key` header.
    ///
    /// - Parameter now: seconds since 1970; a key is expired at `now >= expires`.
    /// - Returns: the key's id, subject and scopes, or `unknown_key`, `key_revoked` (disabled)
    ///   or `key_expired`.
    public func lookup(presentedKey: some StringProtocol, now: Int64) -> Result<APIKeyMatch, APIKeyFailure> {
        let digest: SHA256.Digest
        if let hashed = presentedKey.utf8.withContiguousStorageIfAvailable({
            SHA256.hash(data: UnsafeRawBufferPointer($0))
        }) {
            digest = hashed
        } else {
            digest = Array(presentedKey.utf8).withUnsafeBytes { SHA256.hash(data: $0) }
        }
        return digest.withUnsafeBytes { hash in
            var cursor = self.byPrefix[hash.loadUnaligned(as: UInt64.self)] ?? -1
            while cursor >= 0 {
                let entry = self.entries[Int(cursor)]
                let equal = entry.hash.withUnsafeBytes { ConstantTime.equal($0, hash) }
                if equal {
                    if entry.disabled { return .failure(.keyRevoked) }
                    if let expires = entry.expires, now >= expires { return .failure(.keyExpired) }
                    return .success(entry.match)
                }
                cursor = entry.nextSamePrefix
            }
            return .failure(.unknownKey)
        }
    }

    private static func prefix(_ hash: [UInt8]) -> UInt64 {
        hash.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
    }
}

/// An API key that is known, enabled and unexpired.
public struct APIKeyMatch: Sendable, Hashable {
    /// `X-Auth-Credential: api_key:<id>`, the audit record's credential id.
    public var id: String
    public var subject: String
    public var scopes: [String]

    public init(id: String, subject: String, scopes: [String]) {
        self.id = id
        self.subject = subject
        self.scopes = scopes
    }
}

/// Why an API key was refused, with its SPEC §3 reason code (all 401).
public struct APIKeyFailure: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Reason: Sendable, Hashable {
        case unknownKey
        case keyRevoked
        case keyExpired
    }

    private let reason: Reason

    private init(_ reason: Reason) {
        self.reason = reason
    }

    /// `unknown_key`: no configured key has this hash.
    public static let unknownKey = APIKeyFailure(.unknownKey)
    /// `key_revoked`: the key is `disabled`.
    public static let keyRevoked = APIKeyFailure(.keyRevoked)
    /// `key_expired`: `expires` has passed.
    public static let keyExpired = APIKeyFailure(.keyExpired)

    public var reasonCode: String {
        switch self.reason {
        case .unknownKey: return "unknown_key"
        case .keyRevoked: return "key_revoked"
        case .keyExpired: return "key_expired"
        }
    }

    public var description: String { self.reasonCode }
}
