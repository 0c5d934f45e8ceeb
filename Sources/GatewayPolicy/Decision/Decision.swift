public import GatewayReplay
public import GatewayRules

/// The policy's verdict on one request head.
public enum Decision: Sendable {
    case allow(Allowance)
    case deny(Denial)
}

/// A nonce (or `jti`) to remember until `expiresAt` (its timestamp plus the replay window),
/// scoped to the key that signed it.
public struct ReplayNonce: Sendable, Equatable {
    /// `signature:<keyid>`, `jwt:<kid>`, or `dpop:<jkt>` for a DPoP proof's `jti`.
    public var scope: String
    public var value: String
    /// Seconds since 1970.
    public var expiresAt: Int64

    public init(scope: String, value: String, expiresAt: Int64) {
        self.scope = scope
        self.value = value
        self.expiresAt = expiresAt
    }
}

/// A refusal: the status, reason code and extra headers of SPEC §3.
public struct Denial: Sendable, Equatable {
    public var reason: DenyReason
    public var message: String
    /// Extra response headers: `Allow`, `WWW-Authenticate`, `Retry-After`, `RateLimit-*`.
    public var headers: [(String, String)]
    /// The matched route's name, when one matched.
    public var routeName: String?
    /// The normalised path, when it could be normalised.
    public var path: String?
    /// The credential that verified, when the refusal came after it (scopes, replay): audited.
    public var identity: Identity?
    /// For `unknown_key` on a JWT: the `kid` no key had (a JWK Set may need refreshing).
    public var unknownKeyID: String?
    /// For a refusal from a check after 5 (time, issuer and audience, DPoP, scopes, replay, or
    /// another credential) of a request whose JWT the token endpoint may have revoked: the key
    /// to look up first. A revoked token answers `token_revoked` (check 5 comes first, SPEC §9
    /// "Order of checks"); otherwise this refusal stands.
    public var revocationCheck: NonceKey?

    /// A refusal; a 401 or 403 gets the `WWW-Authenticate` challenge SPEC §3 gives its status
    /// unless `headers` carries one (every 401 and 403 has one). The DPoP reasons' challenge
    /// lists `DPoPRules.defaultAlgorithms`; the policy gives the configured ones.
    public init(
        reason: DenyReason,
        message: String? = nil,
        headers: [(String, String)] = [],
        routeName: String? = nil,
        path: String? = nil
    ) {
        self.reason = reason
        self.message = message ?? reason.defaultMessage
        self.headers = headers
        self.routeName = routeName
        self.path = path
        if let challenge = Self.challenge(for: reason, credentialPresented: reason != .missingCredential, missingScopes: []),
            !headers.contains(where: { $0.0.lowercased() == "www-authenticate" })
        {
            self.headers.append(("WWW-Authenticate", challenge))
        }
    }

    /// A refusal by the policy, whose challenge says whether a credential was presented, which
    /// scopes were missing and, for the DPoP reasons, which proof algorithms are accepted.
    public init(
        reason: DenyReason,
        credentialPresented: Bool,
        missingScopes: [String],
        routeName: String?,
        path: String?,
        dpopAlgorithms: [JWTAlgorithm] = DPoPRules.defaultAlgorithms
    ) {
        let challenge = Self.challenge(
            for: reason,
            credentialPresented: credentialPresented,
            missingScopes: missingScopes,
            dpopAlgorithms: dpopAlgorithms
        )
        self.init(reason: reason, headers: challenge.map { [("WWW-Authenticate", $0)] } ?? [], routeName: routeName, path: path)
    }

    /// The `WWW-Authenticate` value of a 401 or 403 (SPEC §3, RFC 6750 §3): `Bearer
    /// realm="gateway"`, with `error="invalid_token"` when a credential was presented, and
    /// `error="insufficient_scope"` (plus `scope`) on a 403; nil for other statuses. The DPoP
    /// reasons get RFC 9449 §7.1's challenge instead (SPEC §10): `DPoP algs="ES256 …",
    /// error="invalid_dpop_proof"` or `error="dpop_required"`.
    public static func challenge(
        for reason: DenyReason,
        credentialPresented: Bool,
        missingScopes: [String],
        dpopAlgorithms: [JWTAlgorithm] = DPoPRules.defaultAlgorithms
    ) -> String? {
        if reason.isDPoPChallenge {
            let algorithms = dpopAlgorithms.map(\.rawValue).joined(separator: " ")
            return #"DPoP algs=""# + algorithms + #"", error=""# + reason.rawValue + #"""#
        }
        switch reason.status {
        case 401:
            let error = credentialPresented && reason != .missingCredential ? #", error="invalid_token""# : ""
            return #"Bearer realm="gateway""# + error
        case 403:
            let scope = missingScopes.isEmpty ? "" : #", scope="\#(missingScopes.joined(separator: " "))""#
            return #"Bearer realm="gateway", error="insufficient_scope""# + scope
        default:
            return nil
        }
    }

    public var status: Int { self.reason.status }

    public static func == (lhs: Denial, rhs: Denial) -> Bool {
        lhs.reason == rhs.reason && lhs.message == rhs.message && lhs.routeName == rhs.routeName
            && lhs.path == rhs.path && lhs.identity == rhs.identity && lhs.revocationCheck == rhs.revocationCheck
            && lhs.headers.elementsEqual(rhs.headers, by: { $0 == $1 })
    }
}
