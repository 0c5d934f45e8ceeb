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
    /// A stored key owns a copy of the token's bytes, so it never keeps a whole request header
    /// alive; a look-up's key borrows the bytes it is given (the field value where the request's
    /// bytes lie) for the one look-up, so a hit copies nothing.
    struct Key: Hashable {
        /// A stored key's own bytes; empty for a look-up's key.
        private let owned: [UInt8]
        /// A look-up's borrowed bytes, valid during that look-up only; nil for a stored key.
        private let borrowed: UnsafeRawBufferPointer?

        private init(owned: [UInt8], borrowed: UnsafeRawBufferPointer?) {
            self.owned = owned
            self.borrowed = borrowed
        }

        /// A key for storing: a copy of `bytes`.
        static func owned(_ bytes: UnsafeRawBufferPointer) -> Key {
            Key(owned: Array(bytes), borrowed: nil)
        }

        /// A key for one look-up, borrowing `bytes`; it must not outlive them.
        static func borrowing(_ bytes: UnsafeRawBufferPointer) -> Key {
            Key(owned: [], borrowed: bytes)
        }

        func withBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
            if let borrowed = self.borrowed { return body(borrowed) }
            return self.owned.withUnsafeBytes(body)
        }

        static func == (lhs: Key, rhs: Key) -> Bool {
            lhs.withBytes { a in rhs.withBytes { b in bytesEqual(a, b) } }
        }

        /// Hashes the length and the last `hashedSuffixBytes` bytes as one word, not the whole
        /// token: SipHash costs about 4.5 instructions a byte, and an RS256 token is 600 bytes,
        /// hashed on every request. The end of a JWS is its signature, which differs between any
        /// two tokens (it signs the rest), so distinct cached tokens still spread over the table
        /// (eight base64url characters are 48 random bits, and the hasher's seed is the
        /// process's own); and only verified tokens are inserted, so a client cannot fill the
        /// table with keys that collide (a look-up compares against the entries, whose ends it
        /// does not choose). Equality still compares every byte.
        func hash(into hasher: inout Hasher) {
            self.withBytes { bytes in
                hasher.combine(bytes.count)
                if bytes.count >= Self.hashedSuffixBytes {
                    hasher.combine(bytes.loadUnaligned(fromByteOffset: bytes.count - Self.hashedSuffixBytes, as: UInt64.self))
                } else {
                    hasher.combine(bytes: bytes)
                }
            }
        }

        /// How much of a token's end `hash(into:)` reads: one word of its signature; every
        /// signature the gateway verifies is longer (HS256's 43 characters, ES256's 86).
        static let hashedSuffixBytes = MemoryLayout<UInt64>.size
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

    /// The verified token for the token whose bytes are `bytes`, if cached and `now` is before
    /// its `exp`; counts a hit or a miss. Copies nothing: the proxy asks with the field value
    /// where the request's bytes lie, and makes the token's `String` only on a miss.
    public func lookup(bytes: UnsafeRawBufferPointer, now: Int64) -> VerifiedToken? {
        if let verified = self.table.value(for: Key.borrowing(bytes), now: now) {
            self.hits &+= 1
            return verified
        }
        self.misses &+= 1
        return nil
    }

    /// `lookup(bytes:now:)` for a token's text.
    public func lookup(_ token: Substring, now: Int64) -> VerifiedToken? {
        var token = token
        return token.withUTF8 { self.lookup(bytes: UnsafeRawBufferPointer($0), now: now) }
    }

    public func lookup(_ token: String, now: Int64) -> VerifiedToken? {
        self.lookup(token[...], now: now)
    }

    /// Caches `verified` for `token` until its `exp`. Tokens without `exp`, or already expired
    /// at `now`, are not cached.
    public func insert(_ token: Substring, _ verified: VerifiedToken, now: Int64) {
        guard let exp = verified.claims.exp, now < exp else { return }
        var token = token
        let key = token.withUTF8 { Key.owned(UnsafeRawBufferPointer($0)) }
        self.table.insert(key, verified, expires: exp)
    }

    public func insert(_ token: String, _ verified: VerifiedToken, now: Int64) {
        self.insert(token[...], verified, now: now)
    }

    /// Empties the cache (reload, key ring change). The counters keep counting.
    public func removeAll() {
        self.table.removeAll()
    }

    /// Cached tokens, most recently used first (for tests).
    var tokensByRecency: [String] { self.table.keysByRecency.map { $0.withBytes { String(decoding: $0, as: UTF8.self) } } }
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
