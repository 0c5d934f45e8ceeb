import GatewayRules
import Testing

@testable import GatewayCredentials

@Suite struct TokenCacheTests {
    private func verified(_ sub: String, exp: Int64? = 1_000) -> VerifiedToken {
        VerifiedToken(kid: "k", alg: .es256, claims: JWTClaims(sub: sub, exp: exp))
    }

    private func key(_ token: String) -> TokenCacheKey {
        Array(token.utf8).withUnsafeBytes { TokenCacheKey.owned($0) }
    }

    /// The proxy looks a token up by the bytes of its field value, borrowed for the look-up.
    @Test func aLookUpByBytesFindsTheEntryAndCopiesNothing() {
        let cache = TokenCache<VerifiedToken>(capacity: 4)
        cache.insert("header.payload.signature-of-the-token", self.verified("a"), now: 0)
        let field = Array("Bearer header.payload.signature-of-the-token".utf8)
        field.withUnsafeBytes { bytes in
            let token = UnsafeRawBufferPointer(rebasing: bytes[7...])
            #expect(cache.lookup(bytes: token, now: 1)?.claims.sub == "a")
            #expect(cache.lookup(bytes: UnsafeRawBufferPointer(rebasing: bytes[8...]), now: 1) == nil)
            #expect(cache.lookup(bytes: UnsafeRawBufferPointer(rebasing: bytes[7..<(bytes.count - 1)]), now: 1) == nil)
            // A borrowed key and a stored key of the same bytes are equal and hash alike.
            let borrowed = TokenCacheKey.borrowing(token)
            let stored = self.key("header.payload.signature-of-the-token")
            #expect(borrowed == stored)
            #expect(borrowed.hashValue == stored.hashValue)
        }
        #expect(cache.hits == 1)
        #expect(cache.misses == 2)
        // The stored key is the cache's own copy: the field's bytes are gone, the entry stays.
        #expect(cache.tokensByRecency == ["header.payload.signature-of-the-token"])
    }

    @Test func hitsAndMissesAreCounted() {
        let cache = TokenCache<VerifiedToken>(capacity: 4)
        #expect(cache.lookup("a.b.c", now: 0) == nil)
        cache.insert("a.b.c", self.verified("a"), now: 0)
        #expect(cache.lookup("a.b.c", now: 1)?.claims.sub == "a")
        #expect(cache.lookup("a.b.c", now: 2)?.claims.sub == "a")
        #expect(cache.lookup("x.y.z", now: 2) == nil)
        #expect(cache.hits == 2)
        #expect(cache.misses == 2)
    }

    @Test func theWholeTokenIsTheKey() {
        let cache = TokenCache<VerifiedToken>(capacity: 4)
        cache.insert("header.payload.signature", self.verified("a"), now: 0)
        #expect(cache.lookup("header.payload.signaturf", now: 0) == nil)
        #expect(cache.lookup("header.payload.signatur", now: 0) == nil)
        #expect(cache.lookup("header.payload.signature ", now: 0) == nil)
        // A Substring of a header value finds the same entry.
        let header = "Bearer header.payload.signature"
        #expect(cache.lookup(header.dropFirst(7), now: 0)?.claims.sub == "a")
    }

    /// The hash reads only a token's end; tokens that differ only before it are still told apart
    /// by the full comparison.
    @Test func tokensThatDifferOnlyBeforeTheHashedEndAreDistinct() {
        let end = String(repeating: "s", count: TokenCacheKey.hashedSuffixBytes)
        let first = "aaaa." + end
        let second = "aaab." + end
        #expect(self.key(first).hashValue == self.key(second).hashValue)
        let cache = TokenCache<VerifiedToken>(capacity: 4)
        cache.insert(first, self.verified("first"), now: 0)
        #expect(cache.lookup(second, now: 0) == nil)
        cache.insert(second, self.verified("second"), now: 0)
        #expect(cache.lookup(first, now: 0)?.claims.sub == "first")
        #expect(cache.lookup(second, now: 0)?.claims.sub == "second")
        #expect(cache.count == 2)
        // Tokens shorter than the hashed end are hashed whole.
        #expect(self.key("a.b.c").hashValue != self.key("a.b.d").hashValue)
    }

    @Test func leastRecentlyUsedIsEvictedFirst() {
        let cache = TokenCache<VerifiedToken>(capacity: 3)
        cache.insert("t1", self.verified("1"), now: 0)
        cache.insert("t2", self.verified("2"), now: 0)
        cache.insert("t3", self.verified("3"), now: 0)
        #expect(cache.tokensByRecency == ["t3", "t2", "t1"])
        _ = cache.lookup("t1", now: 0)  // t1 becomes the most recent; t2 is now the oldest
        #expect(cache.tokensByRecency == ["t1", "t3", "t2"])
        cache.insert("t4", self.verified("4"), now: 0)
        #expect(cache.count == 3)
        #expect(cache.lookup("t2", now: 0) == nil)
        #expect(cache.lookup("t1", now: 0) != nil)
        #expect(cache.lookup("t3", now: 0) != nil)
        #expect(cache.lookup("t4", now: 0) != nil)
        // Re-inserting moves to the front without growing.
        cache.insert("t3", self.verified("3b"), now: 0)
        #expect(cache.count == 3)
        #expect(cache.tokensByRecency.first == "t3")
        #expect(cache.lookup("t3", now: 0)?.claims.sub == "3b")
    }

    @Test func capacityIsNeverExceeded() {
        let cache = TokenCache<VerifiedToken>(capacity: 100)
        for index in 0..<1_000 {
            cache.insert("token-\(index)", self.verified("\(index)"), now: 0)
            #expect(cache.count <= 100)
        }
        #expect(cache.count == 100)
        #expect(cache.lookup("token-899", now: 0) == nil)
        #expect(cache.lookup("token-900", now: 0)?.claims.sub == "900")
        #expect(cache.lookup("token-999", now: 0)?.claims.sub == "999")
    }

    @Test func anEntryNeverOutlivesExp() {
        let cache = TokenCache<VerifiedToken>(capacity: 4)
        cache.insert("t", self.verified("a", exp: 100), now: 50)
        #expect(cache.lookup("t", now: 99) != nil)
        #expect(cache.lookup("t", now: 100) == nil)  // at exp: gone (RFC 7519 §4.1.4 "on or after")
        #expect(cache.count == 0)  // and evicted
        #expect(cache.lookup("t", now: 50) == nil)  // even if the clock steps back
        // Already expired, or without exp: not cached at all.
        cache.insert("old", self.verified("a", exp: 10), now: 10)
        cache.insert("no-exp", self.verified("a", exp: nil), now: 10)
        #expect(cache.count == 0)
        // Freed slots are reused.
        cache.insert("t", self.verified("b", exp: 200), now: 150)
        #expect(cache.lookup("t", now: 150)?.claims.sub == "b")
    }

    @Test func removeAllEmptiesButKeepsCounting() {
        let cache = TokenCache<VerifiedToken>(capacity: 4)
        cache.insert("a", self.verified("a"), now: 0)
        cache.insert("b", self.verified("b"), now: 0)
        _ = cache.lookup("a", now: 0)
        cache.removeAll()
        #expect(cache.count == 0)
        #expect(cache.lookup("a", now: 0) == nil)
        #expect(cache.hits == 1 && cache.misses == 1)
        cache.insert("c", self.verified("c"), now: 0)
        #expect(cache.lookup("c", now: 0) != nil)
    }

    @Test func cachedTokensFromTheVerifier() throws {
        let verifier = hs256Verifier()
        let token = hs256Token(
            header: #"{"alg":"HS256","kid":"hs"}"#,
            payload: #"{"sub":"a","exp":2000}"#,
            secret: testSecret
        )
        let cache = TokenCache<VerifiedToken>(capacity: 8)
        let verified = try verifier.verify(token)
        cache.insert(token, verified, now: 1000)
        #expect(cache.lookup(token, now: 1999) == verified)
        #expect(cache.lookup(token, now: 2000) == nil)
    }
}
