/// Verified tokens of one event loop, so a token seen again skips its signature check. `Entry`
/// is what the caller keeps per token: the policy keeps the `VerifiedToken` and the identity it
/// made from it, so a hit rebuilds neither.
///
/// **Not thread-safe, by design**: one cache per event loop, created, used and emptied only on
/// that loop (per-loop state instead of a shared lock, as the proxy's upstream pools are). It
/// is therefore not `Sendable`.
///
/// - Bounded: at most `capacity` entries; inserting into a full cache evicts the least
///   recently used entry.
/// - It holds what verification produced (and what follows from the token alone), never a
///   decision: the policy's status, time, issuer, audience, scope and replay checks still run
///   on every request.
/// - An entry never outlives its token's `exp`: at `now >= exp` a lookup misses and removes it.
///   Tokens without `exp` are not cached.
/// - `removeAll()` on reload (SPEC §7) and whenever the key ring changes (a JWKS refresh), so
///   no token outlives the key that verified it.
///
/// The key is the whole token, compared byte for byte; see `TokenCacheKey` for why not its
/// SHA-256.
public final class TokenCache<Entry> {
    private var table: LRUTable<TokenCacheKey, Entry>
    public private(set) var hits: UInt64 = 0
    public private(set) var misses: UInt64 = 0

    /// - Parameter capacity: the most entries held (at least 1).
    public init(capacity: Int) {
        self.table = LRUTable(capacity: max(capacity, 1))
    }

    public var capacity: Int { self.table.capacity }
    public var count: Int { self.table.count }

    /// The entry for the token whose bytes are `bytes`, if cached and `now` is before its
    /// expiry; counts a hit or a miss. Copies nothing: the proxy asks with the field value where
    /// the request's bytes lie, and makes the token's `String` only on a miss.
    public func lookup(bytes: UnsafeRawBufferPointer, now: Int64) -> Entry? {
        if let entry = self.table.value(for: TokenCacheKey.borrowing(bytes), now: now) {
            self.hits &+= 1
            return entry
        }
        self.misses &+= 1
        return nil
    }

    /// `lookup(bytes:now:)` for a token's text.
    public func lookup(_ token: Substring, now: Int64) -> Entry? {
        var token = token
        return token.withUTF8 { self.lookup(bytes: UnsafeRawBufferPointer($0), now: now) }
    }

    public func lookup(_ token: String, now: Int64) -> Entry? {
        self.lookup(token[...], now: now)
    }

    /// Caches `entry` for `token` until `expires` (the token's `exp`). A token without one, or
    /// already expired at `now`, is not cached.
    public func insert(_ token: Substring, _ entry: Entry, expires: Int64?, now: Int64) {
        guard let expires, now < expires else { return }
        var token = token
        let key = token.withUTF8 { TokenCacheKey.owned(UnsafeRawBufferPointer($0)) }
        self.table.insert(key, entry, expires: expires)
    }

    /// Empties the cache (reload, key ring change). The counters keep counting.
    public func removeAll() {
        self.table.removeAll()
    }

    /// Cached tokens, most recently used first (for tests).
    var tokensByRecency: [String] { self.table.keysByRecency.map { $0.withBytes { String(decoding: $0, as: UTF8.self) } } }
}

@available(*, unavailable, message: "A TokenCache belongs to one event loop")
extension TokenCache: Sendable {}

extension TokenCache where Entry == VerifiedToken {
    /// Caches `verified` for `token` until its `exp`.
    public func insert(_ token: String, _ verified: VerifiedToken, now: Int64) {
        self.insert(token[...], verified, expires: verified.claims.exp, now: now)
    }
}
