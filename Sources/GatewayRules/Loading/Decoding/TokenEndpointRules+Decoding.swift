extension TokenEndpointRules {
    /// Every key this table may hold (SPEC §2, §8); any other is an error.
    static let knownKeys = ["path", "revoke_path", "signing_key", "issuer", "audience", "ttl"]

    /// `[token_endpoint]` (SPEC §8). The signing key and the issuer are checked against `[[keys]]`
    /// later; without `issuer` the signing key's pinned issuer, if any, is used.
    init?(decoding reader: TableReader) {
        reader.rejectUnknownKeys(Self.knownKeys)
        let defaults = TokenEndpointRules(signingKey: "")
        let path = Self.path(reader, "path") ?? defaults.path
        let revokePath = Self.path(reader, "revoke_path") ?? defaults.revokePath
        if path == revokePath {
            reader.error("revoke_path", "must differ from path")
        }
        let signingKey = reader.requiredString("signing_key")
        let issuer = reader.nonEmptyString("issuer")
        let audience = reader.nonEmptyString("audience")
        let ttl = reader.duration("ttl") ?? defaults.ttl
        guard let signingKey else { return nil }
        self.init(
            path: path,
            revokePath: revokePath,
            signingKey: signingKey,
            issuer: issuer ?? defaults.issuer,
            audience: audience,
            ttl: ttl
        )
    }

    private static func path(_ reader: TableReader, _ key: String) -> String? {
        reader.parsed(key, as: "path") { text throws(ValueError) in
            guard text.hasPrefix("/") else { throw ValueError("must start with \"/\"") }
            return text
        }
    }
}
