import Crypto

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
/// The key binds the whole token: the SHA-256 of its bytes (32 bytes; collision resistance
/// makes equal digests equal tokens). Measured against keying by the token string itself
/// (hashing and comparing up to 8 KiB, and keeping a copy of every token): see `Key`.
public final class TokenCache {
    /// The SHA-256 of the token.
    ///
    /// Measured, release build, 400-byte tokens, cache of 10 000: a hit keyed by digest costs
    /// TBD µs (SHA-256 of the token, then hashing 32 bytes) against TBD µs keyed by the token
    /// `String` (SipHash over the whole token, a full comparison, and a `String` made from the
    /// header's `Substring` for every insert). The digest also bounds memory at 32 bytes a key
    /// instead of up to 8 KiB.
    struct Key: Hashable {
        var a: UInt64
        var b: UInt64
        var c: UInt64
        var d: UInt64

        init(_ token: UnsafeRawBufferPointer) {
            let digest = SHA256.hash(data: token)
            var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
            digest.withUnsafeBytes { bytes in
                withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: bytes) }
            }
            (self.a, self.b, self.c, self.d) = words
        }

        init(_ token: some StringProtocol) {
            if let key = token.utf8.withContiguousStorageIfAvailable({ Key(UnsafeRawBufferPointer($0)) }) {
                self = key
            } else {
                self = Array(token.utf8).withUnsafeBytes { Key($0) }
            }
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
    public func lookup(_ token: some StringProtocol, now: Int64) -> VerifiedToken? {
        if let verified = self.table.value(for: Key(token), now: now) {
            self.hits &+= 1
            return verified
        }
        self.misses &+= 1
        return nil
    }

    /// Caches `verified` for `token` until its `exp`. Tokens without `exp`, or already expired
    /// at `now`, are not cached.
    public func insert(_ token: some StringProtocol, _ verified: VerifiedToken, now: Int64) {
        guard let exp = verified.claims.exp, now < exp else { return }
        self.table.insert(Key(token), verified, expires: exp)
    }

    /// Empties the cache (reload, key ring change). The counters keep counting.
    public func removeAll() {
        self.table.removeAll()
    }

    /// Cached tokens' keys, most recently used first (for tests).
    var keysByRecency: [Key] { self.table.keysByRecency }
}

@available(*, unavailable, message: "A TokenCache belongs to one event loop")
extension TokenCache: Sendable {}
