extension TokenEndpointRules {
    /// Every key this table may hold (SPEC §2, §8); any other is an error.
    static let knownKeys = ["path", "revoke_path", "signing_key", "issuer", "audience", "ttl", "rate_limit", "burst"]

    /// `[token_endpoint]` (SPEC §8). The signing key, the issuer, `ttl` against `jwt.max_lifetime`
    /// and the paths against the routes are checked later (`CrossReferences`); without `issuer`
    /// the signing key's pinned issuer, if any, is used.
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
        let ttl = Self.ttl(reader) ?? defaults.ttl
        let rateLimit = RouteRule.rateLimit(reader)
        guard let signingKey else { return nil }
        self.init(
            path: path,
            revokePath: revokePath,
            signingKey: signingKey,
            issuer: issuer ?? defaults.issuer,
            audience: audience,
            ttl: ttl,
            rateLimit: rateLimit
        )
    }

    /// A path as a route's (`RouteRule.checkPath`), and without `%`: the proxy compares the
    /// normalised request path with it byte for byte, and a normalised path holds no escape of an
    /// unreserved character, so a path with one could never be answered.
    private static func path(_ reader: TableReader, _ key: String) -> String? {
        reader.parsed(key, as: "path") { text throws(ValueError) in
            let text = try RouteRule.checkPath(text)
            if text.contains("%") { throw ValueError("write the path without percent-escapes") }
            return text
        }
    }

    /// `ttl`: whole seconds (`exp` and `expires_in` are integers, RFC 7519 §2, RFC 6749 §5.1),
    /// at least one and at most `maximumTTL`.
    private static func ttl(_ reader: TableReader) -> Duration? {
        guard let ttl = reader.duration("ttl") else { return nil }
        if ttl < .seconds(1) {
            reader.error("ttl", "must be at least 1s")
            return nil
        }
        if ttl > Self.maximumTTL {
            reader.error("ttl", "must be at most 24h: a shorter-lived token is worth less to whoever steals it")
            return nil
        }
        if ttl.components.attoseconds != 0 {
            reader.error("ttl", "must be a whole number of seconds (exp and expires_in are integers)")
            return nil
        }
        return ttl
    }
}
