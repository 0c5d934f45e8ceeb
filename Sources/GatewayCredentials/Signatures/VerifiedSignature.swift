public import GatewayRules

/// A request signature that verified with a configured key and passed the time checks
/// (SPEC §9 checks 2–6). Its nonce is not yet recorded: the policy claims it in the replay store
/// at check 9, after scopes, so that a request refused earlier consumes nothing.
public struct VerifiedSignature: Sendable, Hashable {
    /// The `Signature-Input` label that was verified.
    public var label: String
    /// The `[[signing_keys]]` id (`X-Auth-Credential: signature:<keyid>`).
    public var keyID: String
    /// The key's algorithm (which an `alg` parameter, if present, equalled).
    public var alg: SignatureAlgorithm
    /// `created`, Unix seconds.
    public var created: Int64
    /// `expires`, if present (it had not passed).
    public var expires: Int64?
    /// `nonce`, if present. On a replay-required route it is present and 16–128 characters.
    public var nonce: String?
    /// The covered component identifiers as serialized in the signature base
    /// (`"@method"`, `"@query-param";name="id"`), in order.
    public var coveredComponents: [String]
    /// Whether the signature covers the whole `Content-Digest` field: then the content must be
    /// held and checked against `contentDigest` before it is forwarded (SPEC §9 "Bodies").
    public var coversContentDigest: Bool
    /// The request's `Content-Digest`, parsed, when the signature covers it.
    public var contentDigest: ContentDigest?
    /// The key's `subject` (default: its id).
    public var subject: String
    /// The key's `scopes`.
    public var scopes: [String]
    /// `signature:<keyid>`: the scope of this key's nonces in the replay store (SPEC §4: a nonce
    /// is unique per `keyid`). Built once per key.
    public var replayScope: String

    public init(
        label: String,
        keyID: String,
        alg: SignatureAlgorithm,
        created: Int64,
        expires: Int64? = nil,
        nonce: String? = nil,
        coveredComponents: [String],
        coversContentDigest: Bool,
        contentDigest: ContentDigest? = nil,
        subject: String,
        scopes: [String],
        replayScope: String? = nil
    ) {
        self.label = label
        self.keyID = keyID
        self.alg = alg
        self.created = created
        self.expires = expires
        self.nonce = nonce
        self.coveredComponents = coveredComponents
        self.coversContentDigest = coversContentDigest
        self.contentDigest = contentDigest
        self.subject = subject
        self.scopes = scopes
        self.replayScope = replayScope ?? "signature:" + keyID
    }

    /// The last second the nonce must be remembered: `created` plus the replay window
    /// (SPEC §9 "Signatures"); the `expiresAt` to give the replay store.
    public func nonceExpiry(window: Int64) -> Int64 {
        self.created.addingReportingOverflow(window).overflow ? .max : self.created + window
    }
}
