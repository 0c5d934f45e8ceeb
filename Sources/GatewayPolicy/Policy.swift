public import GatewayCredentials
public import GatewayRules
import GatewayReplay
import GatewayRouting

/// The decision for one request: a pure function of the request head, the loaded rules and a
/// clock (SPEC §9 "Order of checks"). The proxy and `gateway explain` run this same code.
///
/// Immutable and `Sendable`: built once per rules load (off the event loops: it parses keys)
/// and shared by every loop. The only state a decision touches is the caller's token cache.
public struct Policy: Sendable {
    public let routes: [CompiledRoute]
    private let table: RouteTable<CompiledRoute>
    private let jwt: JWTCheck
    private let apiKeys: APIKeyCheck
    private let signatures: SignatureCheck
    private let dpop: DPoPCheck
    private let replayWindow: Int64
    private let revocations: RevocationLookup
    private let dpopWindow: Int64

    /// Compiles validated rules: routes, JWT keys (JWKS `url` sources from `fetchedJWKS`), API
    /// keys and the revocation list. Key material that does not load is an error with key paths.
    public init(rules: Rules, fetchedJWKS: [String: [UInt8]] = [:]) throws(KeyLoadError) {
        var upstreams: [String: UpstreamRule] = [:]
        for upstream in rules.upstreams { upstreams[upstream.name] = upstream }
        self.routes = rules.routes.enumerated().compactMap { index, rule in
            upstreams[rule.upstream].map { CompiledRoute(rule: rule, upstream: $0, index: index) }
        }
        self.table = RouteTable(
            self.routes.map {
                RouteEntry(host: $0.hostPattern, path: $0.pathPattern, methods: $0.rule.methods, payload: $0)
            }
        )
        let revoked = try rules.jwt.revokedFile.map { path throws(KeyLoadError) in
            try RevocationList(contentsOfFile: path)
        }
        self.jwt = JWTCheck(
            verifier: try JWTVerifier(rules: rules, fetchedJWKS: fetchedJWKS),
            rules: rules.jwt,
            revoked: revoked ?? RevocationList(jtis: [])
        )
        self.apiKeys = APIKeyCheck(table: try APIKeyTable(rules.apiKeys))
        self.replayWindow = rules.replay.window.components.seconds
        self.signatures = SignatureCheck(verifier: try HTTPSignatureVerifier(rules: rules), window: self.replayWindow)
        self.revocations = RevocationLookup(rules: rules)
        self.dpop = DPoPCheck(verifier: DPoPProofVerifier(rules: rules))
        self.dpopWindow = rules.dpopWindow.components.seconds
    }

    /// The API key table, for the token endpoint's client authentication (one table per load).
    public var apiKeyTable: APIKeyTable { self.apiKeys.table }

    /// The number of JWT verification keys loaded (JWKS keys included), for `gateway check`.
    public var jwtKeyCount: Int { self.jwt.verifier.keyRing.count }

    /// Whether a JWT verification key has `kid`.
    public func hasJWTKey(_ kid: String) -> Bool { self.jwt.verifier.keyRing.contains(keyID: kid) }

    /// Decides whether `request` may pass, recording each check in `trace`.
    public func decide<Fields: RequestFields>(
        _ request: PolicyRequest<Fields>,
        context: PolicyContext,
        trace: inout PolicyTrace
    ) -> Decision {
        // Paths (SPEC §9): normalise before matching; a path that escapes the root is refused.
        let path: String
        switch PathNormalizer.normalize(request.rawPath) {
        case .success(let normalised):
            path = normalised
            trace.record("path", passed: true, detail: "normalised to \(normalised)")
        case .failure(let problem):
            trace.record("path", passed: false, detail: "\(problem)")
            return .deny(Denial(reason: .badPath))
        }

        // 1. Route (404 / 405).
        let route: CompiledRoute
        switch self.table.match(host: request.host ?? "", path: path, method: request.method) {
        case .matched(let matched, _):
            route = matched
            trace.record("route", passed: true, detail: "matched \(matched.name)")
        case .methodNotAllowed(let allow):
            trace.record("route", passed: false, detail: "path matches, method does not; allowed: \(allow)")
            return .deny(
                Denial(reason: .methodNotAllowed, headers: [("Allow", allow.joined(separator: ", "))], path: path)
            )
        case .noRoute:
            trace.record("route", passed: false, detail: "no route matches host and path")
            return .deny(Denial(reason: .noRoute, path: path))
        }

        let upstreamTarget = Self.upstreamTarget(route: route, path: path, query: request.rawQuery)
        if route.rule.isPublic {
            trace.record("credential", passed: true, detail: "public route: no credential verified")
            return .allow(Allowance(route: route, path: path, upstreamTarget: upstreamTarget, identity: nil))
        }

        // 2–7, for each presented credential in the order signature, jwt, api_key; a JWT's DPoP
        // proof right after its token (SPEC §10).
        let presented = PresentedCredentials(fields: request.fields, tokenCache: context.tokenCache, now: context.now)
        let chosen: (identity: Identity, replay: ReplayEvidence?)
        var verified = VerifiedExtras()
        switch self.authenticate(presented, request: request, route: route, context: context, extras: &verified, trace: &trace) {
        case .passed(let identity, let replay):
            chosen = (identity, replay)
        case .failed(let reason, _, let unknownKeyID):
            var denial = self.denial(reason, route: route, path: path, presented: !presented.isEmpty)
            denial.unknownKeyID = unknownKeyID
            Self.lookUpRevocationFirst(&denial, verified, trace: &trace)
            return .deny(denial)
        }

        // SPEC §10: a `dpop = "required"` route admits only a DPoP-bound JWT with its proof (an
        // unbound or bearer token was refused with its checks; this catches other credentials).
        if route.rule.dpop == .required, verified.proof == nil {
            trace.record("dpop", passed: false, detail: "\(chosen.identity.kind) is not a DPoP-bound token; the route requires one")
            var denial = self.denial(.dpopRequired, route: route, path: path, presented: true)
            denial.identity = chosen.identity
            Self.lookUpRevocationFirst(&denial, verified, trace: &trace)
            return .deny(denial)
        }

        // 8. Scopes.
        if let missing = Self.missingScopes(route: route, granted: chosen.identity.scopes) {
            trace.record("scopes", passed: false, detail: "missing \(missing)")
            var denial = self.denial(.insufficientScope, route: route, path: path, presented: true, scope: missing)
            denial.identity = chosen.identity
            Self.lookUpRevocationFirst(&denial, verified, trace: &trace)
            return .deny(denial)
        }
        trace.record("scopes", passed: true, detail: "granted \(chosen.identity.scopes)")

        // 9. Replay: decided here, recorded by the caller in the nonce store (SPEC §4).
        var claim: ReplayNonce?
        if route.rule.replay == .required {
            switch self.replayNonce(for: chosen.identity, evidence: chosen.replay, now: context.now) {
            case .success(let replayNonce):
                claim = replayNonce
                trace.record("replay", passed: true, detail: "\(replayNonce.scope) nonce to be recorded")
            case .failure(let reason):
                trace.record("replay", passed: false, detail: reason.rawValue)
                var denial = self.denial(reason, route: route, path: path, presented: true)
                denial.identity = chosen.identity
                Self.lookUpRevocationFirst(&denial, verified, trace: &trace)
                return .deny(denial)
            }
        }
        var allowance = Allowance(route: route, path: path, upstreamTarget: upstreamTarget, identity: chosen.identity)
        allowance.replayNonce = claim
        if let proof = verified.proof {
            // SPEC §10: the proof's jti, per jkt, until iat + window; recorded with check 9.
            let nonce = ReplayNonce(scope: "dpop:" + proof.jkt, value: proof.jti, expiresAt: proof.iat &+ self.dpopWindow)
            allowance.dpopNonce = nonce
            trace.record("dpop replay", passed: true, detail: "the proof's jti to be recorded under \(nonce.scope) until \(nonce.expiresAt)")
        }
        if let token = verified.token, !route.rule.claimsToHeaders.isEmpty, route.rule.auth.contains(.jwt) {
            allowance.claimHeaders = Self.claimHeaders(route.rule.claimsToHeaders, token)
            trace.record(
                "claims_to_headers",
                passed: true,
                detail: allowance.claimHeaders.isEmpty ? "the token has none of the claims" : allowance.claimHeaders.map(\.name).joined(separator: ", ")
            )
        }
        if let digest = verified.digest {
            // Every presented credential must verify (SPEC §3): a signature's digest is checked
            // whichever credential became the identity.
            allowance.contentDigest = digest
            trace.record("digest", passed: true, detail: "the body will be checked against Content-Digest before it is forwarded")
        }
        if let revocationCheck = verified.revocationCheck {
            // SPEC §9 "Token endpoint": check 5 for a token the endpoint may have revoked, made by
            // the caller in the replay store.
            allowance.revocationCheck = revocationCheck
            trace.record("revocation", passed: true, detail: "the jti will be looked up among revoked tokens")
        }
        return .allow(allowance)
    }

    /// A refusal from a check after 5 of a token the token endpoint may have revoked: the proxy
    /// looks the token up first, and a revoked one answers `token_revoked` instead (SPEC §9
    /// "Order of checks"). `explain` cannot consult the replay store and says so.
    private static func lookUpRevocationFirst(_ denial: inout Denial, _ extras: VerifiedExtras, trace: inout PolicyTrace) {
        guard let key = extras.revocationCheck else { return }
        denial.revocationCheck = key
        trace.record("revocation", passed: true, detail: "looked up first: a token revoked at the token endpoint answers token_revoked instead")
    }

    /// Decides without tracing: the proxy's entry point.
    @inlinable
    public func decide<Fields: RequestFields>(_ request: PolicyRequest<Fields>, context: PolicyContext) -> Decision {
        var trace = PolicyTrace.disabled
        return self.decide(request, context: context, trace: &trace)
    }

    // MARK: Credentials

    /// What verifying the credentials produced besides the identity.
    struct VerifiedExtras {
        /// A signature's `Content-Digest`, which the body must match.
        var digest: ContentDigest?
        /// The JWT that passed checks 2–7 (and its DPoP check), for claims to headers.
        var token: VerifiedToken?
        /// The DPoP proof that verified, whose `jti` is recorded with check 9.
        var proof: VerifiedDPoPProof?
        /// For a JWT the token endpoint could have revoked: the key to look up.
        var revocationCheck: NonceKey?
    }

    /// Runs checks 2–7 for every presented credential, in the order signature, jwt, api_key —
    /// each must pass (SPEC §3), a JWT's DPoP check included (SPEC §10) — and returns the first
    /// that passed among the kinds the route accepts. Stops at the first that fails.
    private func authenticate<Fields: RequestFields>(
        _ presented: PresentedCredentials,
        request: PolicyRequest<Fields>,
        route: CompiledRoute,
        context: PolicyContext,
        extras: inout VerifiedExtras,
        trace: inout PolicyTrace
    ) -> CredentialOutcome {
        // The token cache first (`PresentedCredentials` looked the token up): a token found
        // there was a `b64token` when it was verified, so only a token it does not hold is
        // scanned. A malformed bearer token is refused before any credential is checked, as one
        // found at extraction is.
        var malformed = presented.malformed
        if malformed != .bearer, presented.cachedToken == nil, let token = presented.accessToken,
            !PresentedCredentials.hasB64TokenAlphabet(token)
        {
            malformed = .bearer
        }
        if let malformed {
            trace.record("credential", passed: false, detail: "malformed \(malformed)")
            return .failed(.malformedCredential, detail: "\(malformed)")
        }
        var chosen: CredentialOutcome?
        if presented.hasSignature {
            let (outcome, signedDigest) = self.signatures.check(request, context: context)
            extras.digest = signedDigest
            if let failure = Self.settle(.signature, outcome, route: route, chosen: &chosen, trace: &trace) { return failure }
        }
        if presented.hasAccessToken {
            // The text is nil only when the cache held the token, and then `check` needs none.
            var (outcome, verified) = self.jwt.check(
                presented.accessToken ?? "",
                cached: presented.cachedToken,
                route: route,
                context: context
            )
            if case .passed(var identity, let replay) = outcome, let verified {
                // Every presented credential must pass (SPEC §3), so a revoked token is refused
                // even when another credential becomes the identity.
                extras.revocationCheck = self.revocations.key(forKeyID: identity.id, jti: identity.jti)
                Self.recordPassed(.jwt, identity, route: route, trace: &trace)
                switch self.dpop.check(verified, presented: presented, request: request, route: route, now: context.now, trace: &trace) {
                case .notUsed:
                    break
                case .verified(let proof):
                    identity.jkt = proof.jkt
                    outcome = .passed(identity, replay: replay)
                    extras.proof = proof
                case .failed(let reason, let detail):
                    return .failed(reason, detail: detail)
                }
                extras.token = verified
                if route.rule.auth.contains(.jwt), chosen == nil { chosen = outcome }
            } else {
                if case .failed(let reason, _, _) = outcome, reason != .tokenRevoked, let verified {
                    // Checks 6–7 failed on a verified token: whether it is revoked comes first.
                    extras.revocationCheck = self.revocations.key(forKeyID: verified.kid, jti: verified.claims.jti)
                }
                if let failure = Self.settle(.jwt, outcome, route: route, chosen: &chosen, trace: &trace) { return failure }
            }
        }
        if let key = presented.apiKey {
            let outcome = self.apiKeys.check(key, now: context.now)
            if let failure = Self.settle(.apiKey, outcome, route: route, chosen: &chosen, trace: &trace) { return failure }
        }
        guard let chosen else {
            trace.record("credential", passed: false, detail: "no credential of a kind the route accepts")
            return .failed(.missingCredential, detail: "none of \(route.rule.auth.map(\.rawValue))")
        }
        return chosen
    }

    /// Records one credential's outcome; returns it when it failed, else makes it the chosen one
    /// if it is the first of a kind the route accepts.
    private static func settle(
        _ kind: CredentialKind,
        _ outcome: CredentialOutcome,
        route: CompiledRoute,
        chosen: inout CredentialOutcome?,
        trace: inout PolicyTrace
    ) -> CredentialOutcome? {
        switch outcome {
        case .failed(let reason, let detail, _):
            trace.record("credential", passed: false, detail: "\(kind.rawValue): \(reason.rawValue) (\(detail))")
            return outcome
        case .passed(let identity, _):
            Self.recordPassed(kind, identity, route: route, trace: &trace)
            if route.rule.auth.contains(kind), chosen == nil { chosen = outcome }
            return nil
        }
    }

    private static func recordPassed(_ kind: CredentialKind, _ identity: Identity, route: CompiledRoute, trace: inout PolicyTrace) {
        let accepted = route.rule.auth.contains(kind)
        trace.record(
            "credential",
            passed: true,
            detail: "\(identity.credentialLabel) verified\(accepted ? "" : ", but the route does not accept \(kind.rawValue)")"
        )
    }

    /// The route's `claims_to_headers` the token has values for, in the route's order.
    static func claimHeaders(_ entries: [ClaimHeader], _ token: VerifiedToken) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(entries.count)
        for entry in entries {
            if let value = token.headerClaims[entry.claim] { headers.append((entry.name, value)) }
        }
        return headers
    }

    // MARK: Scopes and replay

    /// The route's required scopes the credential lacks, or nil when it has what it needs
    /// (`scopes`: all; `any_scopes`: at least one, if non-empty).
    /// Takes the route, not its rule: passing `route.rule` would copy the whole rule (a retain
    /// of each of its strings and arrays) on every request.
    static func missingScopes(route: CompiledRoute, granted: [String]) -> [String]? {
        var missing = route.rule.scopes.filter { !granted.contains($0) }
        if !route.rule.anyScopes.isEmpty, !route.rule.anyScopes.contains(where: granted.contains) {
            missing.append(contentsOf: route.rule.anyScopes)
        }
        return missing.isEmpty ? nil : missing
    }

    /// SPEC §4: a signed request's nonce (16–128 characters), or a JWT's `jti` with an `iat`
    /// inside the window.
    private func replayNonce(for identity: Identity, evidence: ReplayEvidence?, now: Int64) -> Result<ReplayNonce, DenyReason> {
        // An API key offers no evidence (`APIKeyCheck`): it is never replay-protected.
        guard let evidence, let value = evidence.value, let timestamp = evidence.timestamp else {
            return .failure(.replayProtectionRequired)
        }
        // SPEC §9 "Codes for the remaining cases": a nonce outside 16–128 characters does not
        // protect against replay.
        if identity.kind == CredentialKind.signature.rawValue, !HTTPSignatureVerifier.nonceLengths.contains(value.count) {
            return .failure(.replayProtectionRequired)
        }
        // `jwt.leeway` does not widen the replay window (SPEC §9).
        guard abs(now - timestamp) <= self.replayWindow else { return .failure(.timestampOutOfWindow) }
        return .success(ReplayNonce(scope: evidence.scope, value: value, expiresAt: timestamp + self.replayWindow))
    }

    // MARK: Answers

    /// A refusal with the headers SPEC §3 gives its status (RFC 6750 §3 for 401 and 403; RFC
    /// 9449 §7.1 with `[dpop] algs` for the DPoP reasons).
    func denial(
        _ reason: DenyReason,
        route: CompiledRoute,
        path: String,
        presented: Bool,
        scope: [String] = []
    ) -> Denial {
        Denial(
            reason: reason,
            credentialPresented: presented,
            missingScopes: scope,
            routeName: route.name,
            path: path,
            dpopAlgorithms: self.dpop.algorithms
        )
    }

    private static func upstreamTarget(route: CompiledRoute, path: String, query: Substring) -> String {
        let forwardedPath = route.rule.stripPrefix ? route.pathPattern.strip(from: path) : path
        return query.isEmpty ? forwardedPath : forwardedPath + query
    }
}
