/// `[[signing_keys]]`: a key for RFC 9421 HTTP Message Signatures, named by the signature's `keyid`.
public struct SigningKeyRule: Sendable, Equatable {
    public enum Material: Sendable, Equatable {
        /// A PEM public key (path resolved).
        case publicKeyFile(String)
        /// An HMAC secret (hmac-sha256 only), at least 32 bytes.
        case secret(Secret)
    }

    public var id: String
    public var alg: SignatureAlgorithm
    public var material: Material
    public var scopes: [String]
    /// Defaults to `id`.
    public var subject: String

    public init(id: String, alg: SignatureAlgorithm, material: Material, scopes: [String] = [], subject: String? = nil)
    {
        self.id = id
        self.alg = alg
        self.material = material
        self.scopes = scopes
        self.subject = subject ?? id
    }
}

/// RFC 9421 §3.3 algorithms the gateway verifies.
public enum SignatureAlgorithm: String, Sendable, Hashable, CaseIterable {
    case hmacSHA256 = "hmac-sha256"
    case ed25519 = "ed25519"
    case ecdsaP256SHA256 = "ecdsa-p256-sha256"
    case rsaPSSSHA512 = "rsa-pss-sha512"
}
