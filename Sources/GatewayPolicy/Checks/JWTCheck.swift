import GatewayCredentials
import GatewayRules

/// Checks 2–7 of SPEC §9 for a bearer JWT: well formed, key, signature (by the verifier,
/// through the loop's cache), then status, time, issuer and audience against the clock.
struct JWTCheck: Sendable {
    let verifier: JWTVerifier
    let leeway: Int64
    let requireExp: Bool
    let maxLifetime: Int64?
    let revoked: RevocationList

    init(verifier: JWTVerifier, rules: JWTRules, revoked: RevocationList) {
        self.verifier = verifier
        self.leeway = rules.leeway.components.seconds
        self.requireExp = rules.requireExp
        self.maxLifetime = rules.maxLifetime?.components.seconds
        self.revoked = revoked
    }

    /// The outcome, and the token when its signature verified (for the DPoP check, claims to
    /// headers, and the revocation lookup that precedes a later check's refusal). `cached` is
    /// what the loop's token cache held for `token` (the caller looked it up); without it the
    /// token is verified and cached.
    func check(_ token: Substring, cached: CachedToken?, route: CompiledRoute, context: PolicyContext) -> (CredentialOutcome, VerifiedToken?) {
        let entry: CachedToken
        if let cached {
            entry = cached
        } else {
            do {
                entry = CachedToken(try self.verifier.verify(token))
            } catch {
                let reason = DenyReason(rawValue: error.reasonCode) ?? .malformedCredential
                return (.failed(reason, detail: error.detail, unknownKeyID: error.unknownKeyID), nil)
            }
            context.tokenCache?.insert(token, entry, expires: entry.verified.claims.exp, now: context.now)
        }
        let verified = entry.verified
        if let failure = self.judge(verified, route: route, now: context.now) { return (failure, verified) }
        // Evidence for the replay check only where the route asks for one: most do not.
        let evidence = route.rule.replay == .required
            ? ReplayEvidence(scopePrefix: "jwt:", scopeID: verified.kid, value: verified.claims.jti, timestamp: verified.claims.iat)
            : nil
        return (.passed(entry.identity, replay: evidence), verified)
    }

    /// Checks 5 (status), 6 (time) and 7 (issuer, audience) on verified claims.
    private func judge(_ token: VerifiedToken, route: CompiledRoute, now: Int64) -> CredentialOutcome? {
        if let jti = token.claims.jti, self.revoked.contains(jti) {
            return .failed(.tokenRevoked, detail: "the token's jti is revoked")
        }
        if let failure = self.judgeTime(token.claims, now: now) { return failure }
        if let issuer = token.keyIssuer, token.claims.iss != issuer {
            return .failed(.wrongIssuer, detail: token.claims.iss == nil ? "the token has no iss" : "iss is not \(issuer)")
        }
        if let failure = Self.judgeAudience(token.claims.aud, token.keyAudiences) { return failure }
        return Self.judgeAudience(token.claims.aud, route.rule.audiences)
    }

    /// Check 7's audience: with `audiences` configured (on the key or the route), `aud` must
    /// hold one of them.
    private static func judgeAudience(_ aud: [String]?, _ audiences: [String]) -> CredentialOutcome? {
        guard !audiences.isEmpty else { return nil }
        guard let aud, aud.contains(where: audiences.contains) else {
            return .failed(.wrongAudience, detail: "aud holds none of \(audiences)")
        }
        return nil
    }

    /// RFC 7519 §4.1.4–4.1.6 with `[jwt] leeway`, `require_exp` and `max_lifetime`.
    private func judgeTime(_ claims: borrowing JWTClaims, now: Int64) -> CredentialOutcome? {
        if claims.exp == nil, self.requireExp { return .failed(.missingClaim, detail: "the token has no exp") }
        if let exp = claims.exp, now >= exp &+ self.leeway { return .failed(.tokenExpired, detail: "exp has passed") }
        if let nbf = claims.nbf, now &+ self.leeway < nbf { return .failed(.tokenNotYetValid, detail: "nbf is ahead") }
        if let iat = claims.iat, iat > now &+ self.leeway {
            return .failed(.tokenIssuedInFuture, detail: "iat is in the future")
        }
        if let maxLifetime = self.maxLifetime, let exp = claims.exp, exp &- (claims.iat ?? now) > maxLifetime {
            return .failed(.tokenExpired, detail: "the token lives longer than max_lifetime")
        }
        return nil
    }
}
