public import GatewayRules

// Measured cold-verify cost per algorithm: the table in `JWTVerifier`'s documentation below.

/// Verifies bearer JWTs (JWS Compact Serialization, RFC 7515 §5.2; RFC 7519 §7.2) against a
/// `JWTKeyRing`: SPEC §9 checks 2 (well formed), 3 (key lookup) and 4 (signature), then reads
/// the claims of a token that verified.
///
/// Immutable and `Sendable`: one per rules snapshot, shared by every event loop. It never
/// allocates a `String` for the token, never uses `JSONDecoder` or Foundation, and reads the
/// claims only after the signature verified.
///
/// Order, and the code each step answers:
/// 1. the token is at most `maxTokenBytes` (8 KiB), before anything else — `malformed_credential`;
/// 2. three base64url parts, header a JSON object without duplicate names, a string `alg`, no
///    `crit` (RFC 7515 §4.1.11: this verifier understands no extension) — `malformed_credential`;
/// 3. `alg: none` — `alg_not_allowed` (an unsecured JWS is never acceptable, RFC 8725 §3.1; it
///    is reported as a refused algorithm rather than as malformed because it is well-formed
///    JOSE); no `kid` or an unknown one — `unknown_key`; `alg` other than the key's pinned
///    algorithm — `alg_not_allowed` (this also stops HS/RS key confusion: an RSA key is never
///    used as an HMAC secret);
/// 4. the signature — `bad_signature` (ECDSA: wrong length or r, s outside [1, n−1] included);
/// 5. the claims set, parsed only now: a JSON object without duplicate names, registered claims
///    of the right type — `malformed_credential`.
///
/// `jku`, `x5u`, `jwk` and `x5c` are never looked at.
///
/// Cold verification (no cache), release build, swift-crypto 4.5.2, on this project's shared
/// 2-core x86_64 machine while other builds ran (load average 2–3, so absolute numbers are
/// pessimistic; comparisons within one run hold). µs per token of 370–670 bytes with seven
/// claims, signature check and claims included; the best of four runs' medians:
///
/// | alg   | µs   |   | alg   | µs   |   | alg   | µs   |
/// |-------|------|---|-------|------|---|-------|------|
/// | HS256 | 4.0  |   | RS256 | 22   |   | PS256 | 23   |
/// | HS384 | 4.9  |   | RS384 | 23   |   | PS384 | 26   |
/// | HS512 | 5.0  |   | RS512 | 24   |   | PS512 | 25   |
/// | ES256 | 69   |   | ES384 | 760  |   | EdDSA | 85   |
///
/// In the same runs: swift-crypto's ES256 signature check alone 62 µs and a one-shot
/// `HMAC<SHA256>` 3.2 µs; vapor/jwt-kit 5.8 verifying and decoding the same tokens 124 µs
/// (ES256) and 28 µs (HS256). ES384 is slow in BoringSSL itself (no P-384 assembly). The
/// JOSE work (split, base64url, both JSON documents, claims) is about 25 000 instructions
/// (callgrind); an HMAC key's keyed hash states are computed once, at load.
public struct JWTVerifier: Sendable {
    /// SPEC leaves the limit open; 8 KiB is well above any real access token and far below
    /// `max_header_bytes`, so an oversized token costs no base64, JSON or crypto work.
    public static let defaultMaxTokenBytes = 8 * 1024

    public let keyRing: JWTKeyRing
    public let maxTokenBytes: Int
    private let claimsReader: ClaimsReader

    /// - Parameters:
    ///   - keyRing: the keys, found by `kid`.
    ///   - scopeClaims: `[jwt] scope_claims`, tried in order.
    ///   - maxTokenBytes: longer tokens are `malformed_credential` before any work.
    ///   - headerClaims: the claims routes send upstream (`claims_to_headers`); only these are
    ///     extracted into `VerifiedToken.headerClaims`.
    public init(
        keyRing: JWTKeyRing,
        scopeClaims: [String] = ["scope", "scp"],
        maxTokenBytes: Int = JWTVerifier.defaultMaxTokenBytes,
        headerClaims: [String] = []
    ) {
        self.keyRing = keyRing
        self.maxTokenBytes = maxTokenBytes
        self.claimsReader = ClaimsReader(scopeClaims: scopeClaims, headerClaims: headerClaims)
    }

    /// The verifier of a rules snapshot: its `[[keys]]` and `[[jwks]]` (url sources from
    /// `fetchedJWKS`, by URL), `[jwt] scope_claims` and the claims the routes'
    /// `claims_to_headers` name.
    public init(rules: Rules, fetchedJWKS: [String: [UInt8]] = [:]) throws(KeyLoadError) {
        self.init(
            keyRing: try JWTKeyRing(keys: rules.keys, jwks: rules.jwks, fetchedJWKS: fetchedJWKS),
            scopeClaims: rules.jwt.scopeClaims,
            headerClaims: rules.headerClaimNames
        )
    }

    /// Verifies `token` (the text after `Bearer `, nothing around it).
    public func verify(_ token: some StringProtocol) throws(JWTVerificationError) -> VerifiedToken {
        let result = token.utf8.withContiguousStorageIfAvailable { buffer in
            self.result(UnsafeRawBufferPointer(buffer))
        }
        switch result ?? Array(token.utf8).withUnsafeBytes({ self.result($0) }) {
        case .success(let verified): return verified
        case .failure(let error): throw error
        }
    }

    /// Verifies a token given as bytes.
    public func verify(bytes token: UnsafeRawBufferPointer) throws(JWTVerificationError) -> VerifiedToken {
        try self.result(token).get()
    }

    private func result(_ token: UnsafeRawBufferPointer) -> Result<VerifiedToken, JWTVerificationError> {
        do throws(JWTVerificationError) {
            return .success(try self.verifyToken(token))
        } catch {
            return .failure(error)
        }
    }

    private func verifyToken(_ token: UnsafeRawBufferPointer) throws(JWTVerificationError) -> VerifiedToken {
        // Step 2: well formed, before any crypto.
        guard token.count <= self.maxTokenBytes else {
            throw .malformed("token is longer than \(self.maxTokenBytes) bytes")
        }
        let parts = try Self.decode(token)

        // Step 3: key lookup.
        guard case .supported = parts.header.algorithm else {
            throw .algNotAllowed(
                parts.header.algorithm == .none ? "alg none is never accepted" : "alg is not supported"
            )
        }
        guard let kid = parts.header.keyID else { throw .unknownKey("token has no kid") }
        guard let entry = self.keyRing.entry(forKeyID: kid) else { throw .unknownKey("no key has this kid", keyID: kid) }
        return try self.finish(token, parts, key: entry.key, kid: kid, issuer: entry.issuer, audiences: entry.audiences)
    }

    /// Checks the pinned algorithm and the signature, then reads the claims.
    private func finish(
        _ token: UnsafeRawBufferPointer,
        _ parts: DecodedParts,
        key: AnyVerificationKey,
        kid: String,
        issuer: String?,
        audiences: [String]
    ) throws(JWTVerificationError) -> VerifiedToken {
        guard case .supported(let algorithm) = parts.header.algorithm, key.algorithm == algorithm else {
            throw .algNotAllowed("the token's alg is not the key's pinned \(key.algorithm.rawValue)")
        }

        // Step 4: signature.
        let valid = parts.signature.withUnsafeBytes { signature in
            key.isValidSignature(signature, for: UnsafeRawBufferPointer(rebasing: token[parts.signingInput]))
        }
        guard valid else { throw .badSignature("signature does not verify") }

        // Claims, from a token whose signature verified.
        var headerClaims: [String: String] = [:]
        let claims = try self.claimsReader.read(parts.payload, headerValues: &headerClaims)
        return VerifiedToken(
            kid: kid,
            alg: algorithm,
            claims: claims,
            keyIssuer: issuer,
            keyAudiences: audiences,
            headerClaims: headerClaims
        )
    }

    /// Verifies with `key` whatever `kid` the token has (or lacks). Only for known-answer tests:
    /// the RFC 7515 / RFC 8037 example tokens carry no `kid`. The request path uses `verify(_:)`.
    func verify(_ token: String, using key: AnyVerificationKey) throws(JWTVerificationError) -> VerifiedToken {
        var token = token
        let result: Result<VerifiedToken, JWTVerificationError> = token.withUTF8 { buffer in
            let bytes = UnsafeRawBufferPointer(buffer)
            do throws(JWTVerificationError) {
                let parts = try Self.decode(bytes)
                return .success(
                    try self.finish(bytes, parts, key: key, kid: parts.header.keyID ?? "", issuer: nil, audiences: [])
                )
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// The decoded parts of a well-formed token; the payload is decoded but not yet parsed.
    struct DecodedParts {
        var header: JOSEHeader
        var payload: [UInt8]
        var signature: [UInt8]
        var signingInput: Range<Int>
    }

    /// SPEC §9: "a token that is not three base64url parts of JSON objects" is malformed. The
    /// header is parsed here; the payload only decoded (its JSON is read after the signature).
    static func decode(_ token: UnsafeRawBufferPointer) throws(JWTVerificationError) -> DecodedParts {
        guard let jws = CompactJWS.split(token) else { throw .malformed("not three base64url parts") }
        guard let headerBytes = Base64URL.decode(UnsafeRawBufferPointer(rebasing: token[jws.header])) else {
            throw .malformed("header is not base64url")
        }
        let header = try JOSEHeader(decoded: headerBytes)
        guard let payload = Base64URL.decode(UnsafeRawBufferPointer(rebasing: token[jws.payload])) else {
            throw .malformed("payload is not base64url")
        }
        guard let signature = Base64URL.decode(UnsafeRawBufferPointer(rebasing: token[jws.signature])) else {
            throw .malformed("signature is not base64url")
        }
        return DecodedParts(header: header, payload: payload, signature: signature, signingInput: jws.signingInput)
    }
}
