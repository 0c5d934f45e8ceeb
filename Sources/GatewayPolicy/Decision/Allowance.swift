public import GatewayCredentials
public import GatewayReplay
import GatewayValues

/// What an allowed request carries forward: where it goes and who it is.
///
/// Its fields live in one shared heap object, copied on write (`CopyOnWrite`): an allowance
/// travels from the policy through the admission and the exchange's state machine and is
/// copied five times on the way, and inline each copy retained every string and array it holds,
/// about 25 references on a public route and 60 with an identity (callgrind, release build).
/// Now a copy is one retain, and the object is made once per allowed request.
public struct Allowance: Sendable {
    private var fields: CopyOnWrite<Fields>

    public init(route: CompiledRoute, path: String, upstreamTarget: String, identity: Identity?) {
        self.fields = CopyOnWrite(Fields(route: route, path: path, upstreamTarget: upstreamTarget, identity: identity))
    }

    public var route: CompiledRoute {
        _read { yield self.fields.value.route }
        _modify { yield &self.fields.value.route }
    }

    /// The normalised path (what was matched and is audited).
    public var path: String {
        _read { yield self.fields.value.path }
        _modify { yield &self.fields.value.path }
    }

    /// The path and query sent upstream: the normalised path after `strip_prefix`, then the
    /// query string untouched.
    public var upstreamTarget: String {
        _read { yield self.fields.value.upstreamTarget }
        _modify { yield &self.fields.value.upstreamTarget }
    }

    /// Who the request authenticated as; nil on a public route.
    public var identity: Identity? {
        _read { yield self.fields.value.identity }
        _modify { yield &self.fields.value.identity }
    }

    /// On a replay-protected route: the nonce or `jti` the caller must record, atomically,
    /// before forwarding (SPEC §9 check 9); a refusal of the store answers the request.
    public var replayNonce: ReplayNonce? {
        _read { yield self.fields.value.replayNonce }
        _modify { yield &self.fields.value.replayNonce }
    }

    /// For a signed request whose signature covers `Content-Digest`: the digest the body must
    /// match before anything is forwarded (RFC 9530; SPEC §9 "Bodies").
    public var contentDigest: ContentDigest? {
        _read { yield self.fields.value.contentDigest }
        _modify { yield &self.fields.value.contentDigest }
    }

    /// For a bearer JWT signed by a key the token endpoint signs (or signed) with: the key under
    /// which a revocation of its `jti` would be recorded (`NonceKey.revoked`). The proxy looks it
    /// up (`NonceStore.contains`) before forwarding: present → 401 `token_revoked`; the store
    /// cannot answer → 503 `replay_store_unavailable`, never a guess (SPEC §9 "Token endpoint",
    /// "Redis unavailable"). Nil when no lookup is needed.
    public var revocationCheck: NonceKey? {
        _read { yield self.fields.value.revocationCheck }
        _modify { yield &self.fields.value.revocationCheck }
    }

    /// For a request whose DPoP proof verified: the proof's `jti`, to be recorded in the replay
    /// store with `replayNonce` and as atomically (SPEC §10): scope `dpop:<jkt>`, expiring at the
    /// proof's `iat` plus `dpop.window`. A store that has seen it answers `replayed_nonce`.
    public var dpopNonce: ReplayNonce? {
        _read { yield self.fields.value.dpopNonce }
        _modify { yield &self.fields.value.dpopNonce }
    }

    /// The route's `claims_to_headers` filled from the verified JWT (SPEC §10), in the route's
    /// order: each header whose claim the token has. Values hold no control characters (CR, LF
    /// and NUL became spaces). The proxy removes every incoming field named in the route's
    /// `claims_to_headers` (`route.rule.claimsToHeaders`), whatever the credential, then adds these.
    public var claimHeaders: [(name: String, value: String)] {
        _read { yield self.fields.value.claimHeaders }
        _modify { yield &self.fields.value.claimHeaders }
    }

    private struct Fields: Sendable {
        var route: CompiledRoute
        var path: String
        var upstreamTarget: String
        var identity: Identity?
        var replayNonce: ReplayNonce?
        var contentDigest: ContentDigest?
        var revocationCheck: NonceKey?
        var dpopNonce: ReplayNonce?
        var claimHeaders: [(name: String, value: String)] = []
    }
}
