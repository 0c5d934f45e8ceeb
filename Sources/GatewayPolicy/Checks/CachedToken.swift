public import GatewayCredentials
import GatewayRules

/// What the loop's token cache keeps for a verified JWT: the verification, and the identity made
/// from it (its `X-Auth-*` lines encoded), which follow from the token alone. A hit rebuilds
/// neither; the checks that depend on the clock, the route and the rules (status, time, issuer,
/// audience, scopes, replay) still run on every request.
public struct CachedToken: Sendable {
    let verified: VerifiedToken
    let identity: Identity

    init(_ verified: VerifiedToken) {
        self.verified = verified
        self.identity = Identity(
            kind: CredentialKind.jwt.rawValue,
            id: verified.kid,
            subject: verified.claims.sub ?? verified.kid,
            scopes: verified.claims.scopes,
            jti: verified.claims.jti
        ).encodingUpstreamFields()
    }
}

/// An event loop's cache of verified tokens, as the policy fills and reads it.
public typealias PolicyTokenCache = TokenCache<CachedToken>
