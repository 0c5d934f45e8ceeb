/// `[[keys]]`: one JWT verification key, looked up by the token's `kid` only.
public struct KeyRule: Sendable, Equatable {
    /// Where the verification key comes from.
    public enum Material: Sendable, Equatable {
        /// A PEM public key (path resolved).
        case publicKeyFile(String)
        /// A single JWK in JSON (path resolved).
        case jwkFile(String)
        /// An HMAC secret (HS* only), at least 32 bytes.
        case secret(Secret)
    }

    /// Must equal the JWT header's `kid`.
    public var id: String
    /// Pinned: a token whose `alg` differs is refused.
    public var alg: JWTAlgorithm
    public var material: Material
    /// Only for a key the token endpoint signs with (path resolved).
    public var privateKeyFile: String?
    /// If set, `iss` must equal it.
    public var issuer: String?
    /// If non-empty, `aud` must contain one of them.
    public var audiences: [String]

    public init(
        id: String,
        alg: JWTAlgorithm,
        material: Material,
        privateKeyFile: String? = nil,
        issuer: String? = nil,
        audiences: [String] = []
    ) {
        self.id = id
        self.alg = alg
        self.material = material
        self.privateKeyFile = privateKeyFile
        self.issuer = issuer
        self.audiences = audiences
    }
}

/// The JWS algorithms a key can be pinned to (RFC 7518, RFC 8037).
public enum JWTAlgorithm: String, Sendable, Hashable, CaseIterable {
    case hs256 = "HS256"
    case hs384 = "HS384"
    case hs512 = "HS512"
    case rs256 = "RS256"
    case rs384 = "RS384"
    case rs512 = "RS512"
    case ps256 = "PS256"
    case ps384 = "PS384"
    case ps512 = "PS512"
    case es256 = "ES256"
    case es384 = "ES384"
    case eddsa = "EdDSA"

    /// Whether the key is a shared secret rather than a public key.
    public var isHMAC: Bool {
        switch self {
        case .hs256, .hs384, .hs512: return true
        default: return false
        }
    }
}

/// `[[jwks]]`: a JWK Set whose keys all carry `kid` and `alg`.
public struct JWKSRule: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        /// A local file (path resolved).
        case file(String)
        /// Fetched over HTTPS and refreshed off the request path (`refresh`, default 10 minutes).
        case url(String, refresh: Duration)
    }

    public var source: Source
    public var issuer: String?
    public var audiences: [String]

    public init(source: Source, issuer: String? = nil, audiences: [String] = []) {
        self.source = source
        self.issuer = issuer
        self.audiences = audiences
    }
}
