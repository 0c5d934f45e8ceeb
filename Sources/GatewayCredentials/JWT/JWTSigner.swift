public import GatewayRules

/// Signs JWTs (JWS Compact Serialization, RFC 7515 §5.1) for the token endpoint (SPEC §8) and
/// `gateway token mint`, with header `{"alg":…,"typ":"JWT","kid":…}`.
///
/// Keys: a private key PEM — PKCS#8 (`PRIVATE KEY`) for every family, SEC 1 (`EC PRIVATE KEY`)
/// or PKCS#1 (`RSA PRIVATE KEY`) — or an HMAC secret of at least 32 bytes.
public struct JWTSigner: Sendable {
    public let algorithm: JWTAlgorithm
    public let keyID: String
    private let key: AnySigningKey
    /// `BASE64URL(header) || '.'`, the same for every token.
    private let encodedHeader: [UInt8]

    /// A signer from a private key PEM (RS*, PS*, ES*, EdDSA).
    public init(
        algorithm: JWTAlgorithm,
        privateKeyPEM: String,
        keyID: String,
        keyPath: String = "private_key_file"
    ) throws(KeyLoadError) {
        do throws(KeyProblem) {
            self.init(key: try PEMKeys.signingKey(pem: privateKeyPEM, algorithm: algorithm), keyID: keyID)
        } catch {
            throw KeyLoadError(problems: [.init(keyPath: keyPath, message: error.message)])
        }
    }

    /// A signer from an HMAC secret (HS*); secrets under 32 bytes are refused.
    public init(
        algorithm: JWTAlgorithm,
        secret: [UInt8],
        keyID: String,
        keyPath: String = "secret"
    ) throws(KeyLoadError) {
        do throws(KeyProblem) {
            self.init(key: .hmac(try JWTKeyRing.hmacKey(secret, algorithm)), keyID: keyID)
        } catch {
            throw KeyLoadError(problems: [.init(keyPath: keyPath, message: error.message)])
        }
    }

    /// `gateway token mint --key FILE`: for HS* the file's bytes less one trailing newline are
    /// the secret (as `secret_file`, SPEC §2); otherwise the file is a private key PEM.
    public init(
        algorithm: JWTAlgorithm,
        keyFileContents: [UInt8],
        keyID: String,
        keyPath: String = "--key"
    ) throws(KeyLoadError) {
        if algorithm.isHMAC {
            var secret = keyFileContents
            if secret.last == 0x0A { secret.removeLast() }
            try self.init(algorithm: algorithm, secret: secret, keyID: keyID, keyPath: keyPath)
        } else {
            guard let pem = String(validating: keyFileContents, as: UTF8.self) else {
                throw KeyLoadError(problems: [.init(keyPath: keyPath, message: "not a PEM file")])
            }
            try self.init(algorithm: algorithm, privateKeyPEM: pem, keyID: keyID, keyPath: keyPath)
        }
    }

    /// The signer of a `[[keys]]` entry: its `private_key_file`, or its secret for HS*.
    /// `keyPath` names the entry (`keys[3](gw-es256)`).
    public init(keyRule rule: KeyRule, keyPath: String) throws(KeyLoadError) {
        if case .secret(let secret) = rule.material {
            try self.init(algorithm: rule.alg, secret: secret.bytes, keyID: rule.id, keyPath: keyPath)
            return
        }
        guard let path = rule.privateKeyFile else {
            throw KeyLoadError(problems: [
                .init(keyPath: "\(keyPath).private_key_file", message: "missing: a signing key needs private_key_file")
            ])
        }
        let pem: String
        do throws(KeyProblem) {
            pem = try KeyFile.readText(path)
        } catch {
            throw KeyLoadError(problems: [.init(keyPath: "\(keyPath).private_key_file", message: error.message)])
        }
        try self.init(algorithm: rule.alg, privateKeyPEM: pem, keyID: rule.id, keyPath: "\(keyPath).private_key_file")
    }

    init(key: AnySigningKey, keyID: String) {
        self.algorithm = key.algorithm
        self.keyID = keyID
        self.key = key
        var header = JSONWriter()
        header.member("alg", string: key.algorithm.rawValue)
        header.member("typ", string: "JWT")
        header.member("kid", string: keyID)
        var encoded: [UInt8] = []
        Base64URL.encode(header.finish(), into: &encoded)
        encoded.append(UInt8(ascii: "."))
        self.encodedHeader = encoded
    }

    /// Signs `claims`. Members are written in the order `iss`, `sub`, `aud`, `iat`, `nbf`, `exp`,
    /// `jti`, `cnf` (`{"jkt":…}`, RFC 9449 §6.1, when `jkt` is set), then the scopes: under `scopeClaim` (default `scope`), a space-separated string for
    /// `scope` (RFC 8693 §4.2) and an array of strings for any other name. A single audience is
    /// written as a string. `privateClaims` (string-valued, RFC 7519 §4.3; the token endpoint's
    /// `client_id`, RFC 9068 §2.2) come last, in the order given.
    public func sign(
        _ claims: JWTClaims,
        privateClaims: [(name: String, value: String)] = []
    ) throws(JWTSigningError) -> String {
        var payload = JSONWriter()
        if let iss = claims.iss { payload.member("iss", string: iss) }
        if let sub = claims.sub { payload.member("sub", string: sub) }
        if let aud = claims.aud {
            if aud.count == 1 { payload.member("aud", string: aud[0]) } else { payload.member("aud", strings: aud) }
        }
        if let iat = claims.iat { payload.member("iat", integer: iat) }
        if let nbf = claims.nbf { payload.member("nbf", integer: nbf) }
        if let exp = claims.exp { payload.member("exp", integer: exp) }
        if let jti = claims.jti { payload.member("jti", string: jti) }
        if let jkt = claims.jkt {
            var confirmation = JSONWriter()
            confirmation.member("jkt", string: jkt)
            payload.member("cnf", object: confirmation)
        }
        if !claims.scopes.isEmpty || claims.scopeClaim != nil {
            let name = claims.scopeClaim ?? "scope"
            if name == "scope" {
                payload.member(name, string: claims.scopes.joined(separator: " "))
            } else {
                payload.member(name, strings: claims.scopes)
            }
        }
        for claim in privateClaims { payload.member(claim.name, string: claim.value) }
        return try self.sign(payload: payload.finish())
    }

    /// Signs a payload given as bytes (a JSON object the caller built).
    public func sign(payload: [UInt8]) throws(JWTSigningError) -> String {
        var token = self.encodedHeader
        Base64URL.encode(payload, into: &token)
        let signature: [UInt8]
        do {
            signature = try token.withUnsafeBytes { try self.key.signature(for: $0) }
        } catch {
            throw JWTSigningError()
        }
        token.append(UInt8(ascii: "."))
        Base64URL.encode(signature, into: &token)
        return String(decoding: token, as: UTF8.self)
    }
}

/// The crypto backend failed to produce a signature.
public struct JWTSigningError: Error, Sendable, Hashable, CustomStringConvertible {
    public init() {}
    public var description: String { "the signature could not be produced" }
}
