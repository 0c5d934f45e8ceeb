public import GatewayCredentials
import GatewayPolicy
import GatewayReplay
public import GatewayRules

/// The token endpoint (SPEC §8): `POST {path}` trades an API key for a short-lived JWT
/// (RFC 6749 §4.4, client credentials), `POST {revoke_path}` revokes one (RFC 7009).
///
/// Built once per rules load, off the event loops — it reads the signing key's private key and
/// loads the `[[keys]]` it verifies revoked tokens with — and immutable after; `Sendable`, one
/// per rules snapshot, shared by every loop.
///
/// The proxy, per request:
/// 1. `operation(forPath:)` on the normalised path, before routing: nil means not ours;
/// 2. reads the whole body, at most `maximumBodyBytes` (beyond: 413 `body_too_large`);
/// 3. `answer(_:to:now:random:)`, then performs the `TokenEndpointOutcome` (see there).
///
/// Issued tokens: header `{"alg":<signing key's alg>,"typ":"JWT","kid":<signing key id>}`;
/// claims `iss` (`token_endpoint.issuer`), `sub` (the API key's subject), `aud` (if
/// `audience`), `iat` (now), `exp` (`iat + ttl`), `jti` (128 random bits, base64url), the
/// granted scopes under the first of `[jwt] scope_claims` — by default `scope`, space-separated
/// (RFC 8693 §4.2, RFC 9068 §2.2.3); under another name an array — and `client_id` (the API key
/// id, RFC 9068 §2.2, which revocation compares). They verify through the gateway's `[[keys]]`
/// like any other token.
public struct TokenEndpoint: Sendable {
    /// Which of the two paths a request is for.
    public enum Operation: Sendable, Hashable {
        /// `path`: RFC 6749 §4.4.2 access token request.
        case issue
        /// `revoke_path`: RFC 7009 §2.1 revocation request.
        case revoke
    }

    /// The largest body read. A form with a client id, a secret and a token (at most
    /// `JWTVerifier.defaultMaxTokenBytes`) fits with room to spare.
    public static let maximumBodyBytes = 16 * 1024

    public let rules: TokenEndpointRules
    private let signer: JWTSigner
    private let apiKeys: APIKeyTable
    /// Verifies tokens presented for revocation: every `[[keys]]` entry (no JWK Set), of which
    /// only `revocableKeyIDs` count.
    private let verifier: JWTVerifier
    /// The signing key and every key with a `private_key_file`: the keys the endpoint signs, or
    /// signed before a rotation, with (as `Allowance.revocationCheck` looks up).
    private let revocableKeyIDs: Set<String>
    private let ttl: Int64
    private let leeway: Int64
    /// The first of `[jwt] scope_claims` (default `scope`): the claim the policy reads first.
    private let scopeClaim: String

    /// The endpoint of `rules`, or nil when it has no `[token_endpoint]`.
    ///
    /// - Parameter apiKeys: the clients; the policy's table (`Policy.apiKeyTable`), so the keys
    ///   are hashed and indexed once per load.
    /// - Throws: the signing key's problems, with key paths (`keys[2](gw-es256).private_key_file`).
    public init?(rules: Rules, apiKeys: APIKeyTable) throws(KeyLoadError) {
        guard let endpoint = rules.tokenEndpoint else { return nil }
        guard let index = rules.keys.firstIndex(where: { $0.id == endpoint.signingKey }) else {
            throw KeyLoadError(problems: [
                .init(keyPath: "token_endpoint.signing_key", message: "no [[keys]] entry has this id")
            ])
        }
        let key = rules.keys[index]
        self.rules = endpoint
        self.signer = try JWTSigner(keyRule: key, keyPath: "keys[\(index + 1)](\(key.id))")
        self.apiKeys = apiKeys
        self.verifier = JWTVerifier(keyRing: try JWTKeyRing(keys: rules.keys), scopeClaims: ["scope"])
        self.revocableKeyIDs = Set(
            rules.keys.filter { $0.privateKeyFile != nil || $0.id == endpoint.signingKey }.map(\.id)
        )
        self.ttl = endpoint.ttl.components.seconds
        self.leeway = rules.jwt.leeway.components.seconds
        self.scopeClaim = rules.jwt.scopeClaims.first ?? "scope"
    }

    /// The signing key's id: the `kid` of issued tokens.
    public var signingKeyID: String { self.signer.keyID }

    /// Which endpoint a normalised request path (no query) is for, or nil. Any host.
    public func operation(forPath path: some StringProtocol) -> Operation? {
        if path.utf8.elementsEqual(self.rules.path.utf8) { return .issue }
        if path.utf8.elementsEqual(self.rules.revokePath.utf8) { return .revoke }
        return nil
    }

    /// Answers one request to `operation`'s path.
    ///
    /// - Parameters:
    ///   - now: seconds since 1970 (`iat`, key expiry, token expiry).
    ///   - random: where the `jti` comes from; the system CSPRNG on the request path.
    public func answer(
        _ operation: Operation,
        to request: TokenEndpointRequest,
        now: Int64,
        random: inout some RandomNumberGenerator
    ) -> TokenEndpointOutcome {
        var identity: Identity?
        do throws(TokenError) {
            let form = try Self.form(of: request)
            let presented = try ClientAuthentication.presented(authorization: request.authorization, form: form)
            switch operation {
            case .issue:
                // RFC 6749 §4.4.2.
                guard let grantType = try Self.parameter("grant_type", in: form) else {
                    throw .invalidRequest("grant_type is missing")
                }
                let requestedScope = try Self.parameter("scope", in: form)
                let client = try ClientAuthentication.authenticate(presented, in: self.apiKeys, now: now)
                identity = Self.identity(of: client)
                guard grantType == "client_credentials" else {
                    throw .unsupportedGrantType("only the client_credentials grant is supported")
                }
                let scopes = try Self.grantedScopes(requested: requestedScope, of: client)
                return .respond(try self.issue(to: client, scopes: scopes, now: now, random: &random))
            case .revoke:
                // RFC 7009 §2.1: `token` required, `token_type_hint` optional and ignored here
                // (only access tokens exist), but not repeated.
                guard let token = try Self.parameter("token", in: form) else {
                    throw .invalidRequest("token is missing")
                }
                _ = try Self.parameter("token_type_hint", in: form)
                let client = try ClientAuthentication.authenticate(presented, in: self.apiKeys, now: now)
                let authenticated = Self.identity(of: client)
                identity = authenticated
                return try self.revoke(token, by: client, identity: authenticated, now: now)
            }
        } catch {
            return .respond(.refused(error, identity: identity))
        }
    }

    /// `answer` with the system's CSPRNG.
    public func answer(_ operation: Operation, to request: TokenEndpointRequest, now: Int64) -> TokenEndpointOutcome {
        var random = SystemRandomNumberGenerator()
        return self.answer(operation, to: request, now: now, random: &random)
    }

    // MARK: Request

    /// The form body of a POST (RFC 6749 §3.2, §4.4.2; RFC 7009 §2.1).
    private static func form(of request: TokenEndpointRequest) throws(TokenError) -> FormBody {
        guard request.method == "POST" else { throw .methodNotAllowed }
        guard request.body.count <= Self.maximumBodyBytes else { throw .bodyTooLarge }
        guard request.contentType.count == 1, FormContentType.accepts(request.contentType[0]) else {
            throw .invalidRequest("the body must be application/x-www-form-urlencoded")
        }
        do throws(FormBodyError) {
            return try FormBody(parsing: request.body)
        } catch {
            throw .invalidRequest("the form body has a malformed percent-escape or is not UTF-8")
        }
    }

    /// A parameter's one value; nil when absent or empty; a repeated one is refused (RFC 6749 §3.2).
    static func parameter(_ name: String, in form: FormBody) throws(TokenError) -> String? {
        do throws(FormBodyError) {
            return try form.parameter(name)
        } catch {
            throw .invalidRequest("a parameter is repeated (RFC 6749 section 3.2)")
        }
    }

    private static func identity(of client: APIKeyMatch) -> Identity {
        Identity(kind: CredentialKind.apiKey.rawValue, id: client.id, subject: client.subject, scopes: [])
    }

    // MARK: Issue

    /// RFC 6749 §3.3: the requested scopes, space-separated, each one of the key's; absent means
    /// all of them. Granted in the key's order, without repeats.
    static func grantedScopes(requested: String?, of client: APIKeyMatch) throws(TokenError) -> [String] {
        var granted: [String] = []
        guard let requested else {
            for scope in client.scopes where !granted.contains(scope) { granted.append(scope) }
            return granted
        }
        let wanted = requested.split(separator: " ", omittingEmptySubsequences: false)
        if wanted.contains(where: \.isEmpty) {
            throw .invalidScope("the scope is malformed: scopes are separated by single spaces")
        }
        for scope in wanted where !client.scopes.contains(where: { $0 == scope }) {
            throw .invalidScope("a requested scope is not among the client's scopes")
        }
        for scope in client.scopes where !granted.contains(scope) && wanted.contains(where: { $0 == scope }) {
            granted.append(scope)
        }
        return granted
    }

    /// Signs a token for `client` (RFC 6749 §5.1).
    private func issue(
        to client: APIKeyMatch,
        scopes: [String],
        now: Int64,
        random: inout some RandomNumberGenerator
    ) throws(TokenError) -> TokenEndpointResponse {
        let jti = Self.jti(random: &random)
        let claims = JWTClaims(
            iss: self.rules.issuer,
            sub: client.subject,
            aud: self.rules.audience.map { [$0] },
            exp: now &+ self.ttl,
            iat: now,
            jti: jti,
            scopes: scopes,
            scopeClaim: self.scopeClaim
        )
        let token: String
        do throws(JWTSigningError) {
            token = try self.signer.sign(claims, privateClaims: [(name: "client_id", value: client.id)])
        } catch {
            throw .signingFailed
        }
        var identity = Self.identity(of: client)
        identity.scopes = scopes
        identity.jti = jti
        return .issued(token: token, expiresIn: self.ttl, scopes: scopes, identity: identity)
    }

    /// 128 random bits, base64url (22 characters): RFC 7519 §4.1.7 asks that a `jti` not repeat.
    static func jti(random: inout some RandomNumberGenerator) -> String {
        let high = random.next()
        let low = random.next()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        for word in [high, low] {
            for shift in stride(from: 56, through: 0, by: -8) {
                bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
            }
        }
        return Base64URL.encode(bytes)
    }

    // MARK: Revoke

    /// RFC 7009 §2.1–2.2. A token that does not verify with one of the endpoint's keys, that
    /// the endpoint did not issue (no `client_id`), or that has expired or has no `jti`: 200 and
    /// nothing to do. A token issued to another client: 400 `unauthorized_client`, nothing
    /// revoked. Else the `jti` is revoked until `exp + jwt.leeway`.
    private func revoke(
        _ token: String,
        by client: APIKeyMatch,
        identity: Identity,
        now: Int64
    ) throws(TokenError) -> TokenEndpointOutcome {
        let nothingToDo = TokenEndpointOutcome.respond(.revoked(identity: identity))
        guard let verified = try? self.verifier.verify(token), self.revocableKeyIDs.contains(verified.kid),
            let owner = JWTPrivateClaim.string("client_id", ofVerifiedToken: token),
            let jti = verified.claims.jti, let exp = verified.claims.exp
        else { return nothingToDo }
        let (until, overflow) = exp.addingReportingOverflow(self.leeway)
        let expiresAt = overflow ? Int64.max : until
        // Refused as expired from `exp + leeway` on (JWTCheck): nothing left to revoke.
        guard now < expiresAt else { return nothingToDo }
        guard owner == client.id else { throw .unauthorizedClient("the token was issued to another client") }
        var revoking = identity
        revoking.jti = jti
        return .revokeThenRespond(
            TokenRevocation(
                key: .revoked(keyID: verified.kid, jti: jti),
                expiresAt: expiresAt,
                response: .revoked(identity: revoking)
            )
        )
    }
}
