public import GatewayCredentials
public import GatewayReplay

/// What an allowed request carries forward: where it goes and who it is.
///
/// A value with its fields in one shared heap object, copied on write (as `Array` is): an
/// allowance travels from the policy through the admission and the exchange's state machine
/// and is copied five times on the way, and inline each copy retained every string and array it
/// holds, about 25 references on a public route and 60 with an identity (callgrind, release
/// build). Now a copy is one retain, and the object is made once per allowed request.
public struct Allowance: Sendable {
    private var storage: Storage

    public init(route: CompiledRoute, path: String, upstreamTarget: String, identity: Identity?) {
        self.storage = Storage(route: route, path: path, upstreamTarget: upstreamTarget, identity: identity)
    }

    public var route: CompiledRoute {
        _read { yield self.storage.route }
        set { self.uniqueStorage().route = newValue }
    }

    /// The normalised path (what was matched and is audited).
    public var path: String {
        _read { yield self.storage.path }
        set { self.uniqueStorage().path = newValue }
    }

    /// The path and query sent upstream: the normalised path after `strip_prefix`, then the
    /// query string untouched.
    public var upstreamTarget: String {
        _read { yield self.storage.upstreamTarget }
        set { self.uniqueStorage().upstreamTarget = newValue }
    }

    /// Who the request authenticated as; nil on a public route.
    public var identity: Identity? {
        _read { yield self.storage.identity }
        set { self.uniqueStorage().identity = newValue }
    }

    /// On a replay-protected route: the nonce or `jti` the caller must record, atomically,
    /// before forwarding (SPEC §9 check 9); a refusal of the store answers the request.
    public var replayNonce: ReplayNonce? {
        _read { yield self.storage.replayNonce }
        set { self.uniqueStorage().replayNonce = newValue }
    }

    /// For a signed request whose signature covers `Content-Digest`: the digest the body must
    /// match before anything is forwarded (RFC 9530; SPEC §9 "Bodies").
    public var contentDigest: ContentDigest? {
        _read { yield self.storage.contentDigest }
        set { self.uniqueStorage().contentDigest = newValue }
    }

    /// For a bearer JWT signed by a key the token endpoint signs (or signed) with: the key under
    /// which a revocation of its `jti` would be recorded (`NonceKey.revoked`). The proxy looks it
    /// up (`NonceStore.contains`) before forwarding: present → 401 `token_revoked`; the store
    /// cannot answer → 503 `replay_store_unavailable`, never a guess (SPEC §9 "Token endpoint",
    /// "Redis unavailable"). Nil when no lookup is needed.
    public var revocationCheck: NonceKey? {
        _read { yield self.storage.revocationCheck }
        set { self.uniqueStorage().revocationCheck = newValue }
    }

    /// For a request whose DPoP proof verified: the proof's `jti`, to be recorded in the replay
    /// store with `replayNonce` and as atomically (SPEC §10): scope `dpop:<jkt>`, expiring at the
    /// proof's `iat` plus `dpop.window`. A store that has seen it answers `replayed_nonce`.
    public var dpopNonce: ReplayNonce? {
        _read { yield self.storage.dpopNonce }
        set { self.uniqueStorage().dpopNonce = newValue }
    }

    /// The route's `claims_to_headers` filled from the verified JWT (SPEC §10), in the route's
    /// order: each header whose claim the token has. Values hold no control characters (CR, LF
    /// and NUL became spaces). The proxy removes every incoming field named in the route's
    /// `claims_to_headers` (`route.rule.claimsToHeaders`), whatever the credential, then adds these.
    public var claimHeaders: [(name: String, value: String)] {
        _read { yield self.storage.claimHeaders }
        set { self.uniqueStorage().claimHeaders = newValue }
    }

    /// The storage, first copied if another allowance shares it.
    private mutating func uniqueStorage() -> Storage {
        if !isKnownUniquelyReferenced(&self.storage) { self.storage = self.storage.copy() }
        return self.storage
    }

    /// The fields. `@unchecked Sendable`: an instance is changed only through `uniqueStorage()`,
    /// that is while one allowance alone holds it, so no two threads ever see it change.
    private final class Storage: @unchecked Sendable {
        var route: CompiledRoute
        var path: String
        var upstreamTarget: String
        var identity: Identity?
        var replayNonce: ReplayNonce?
        var contentDigest: ContentDigest?
        var revocationCheck: NonceKey?
        var dpopNonce: ReplayNonce?
        var claimHeaders: [(name: String, value: String)] = []

        init(route: CompiledRoute, path: String, upstreamTarget: String, identity: Identity?) {
            self.route = route
            self.path = path
            self.upstreamTarget = upstreamTarget
            self.identity = identity
        }

        func copy() -> Storage {
            let copy = Storage(route: self.route, path: self.path, upstreamTarget: self.upstreamTarget, identity: self.identity)
            copy.replayNonce = self.replayNonce
            copy.contentDigest = self.contentDigest
            copy.revocationCheck = self.revocationCheck
            copy.dpopNonce = self.dpopNonce
            copy.claimHeaders = self.claimHeaders
            return copy
        }
    }
}
