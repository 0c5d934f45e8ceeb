/// `[[api_keys]]`: one API key, stored only as the SHA-256 of the key.
public struct APIKeyRule: Sendable, Equatable {
    /// Shown in audit records and `X-Auth-Credential`.
    public var id: String
    /// SHA-256 of the key: 32 bytes.
    public var hash: [UInt8]
    public var scopes: [String]
    /// Defaults to `id`.
    public var subject: String
    /// Seconds since 1970 (RFC 3339 in the file); nil = never.
    public var expires: Int64?
    public var disabled: Bool

    public init(
        id: String,
        hash: [UInt8],
        scopes: [String] = [],
        subject: String? = nil,
        expires: Int64? = nil,
        disabled: Bool = false
    ) {
        self.id = id
        self.hash = hash
        self.scopes = scopes
        self.subject = subject ?? id
        self.expires = expires
        self.disabled = disabled
    }
}
