extension JWTRules {
    /// Every key this table may hold (SPEC §2, §8); any other is an error.
    static let knownKeys = ["leeway", "require_exp", "scope_claims", "revoked_file", "max_lifetime"]

    /// `[jwt]`: claim checks shared by every JWT key.
    init(decoding reader: TableReader) {
        reader.rejectUnknownKeys(Self.knownKeys)
        let defaults = JWTRules()
        self.init(
            leeway: reader.duration("leeway", allowZero: true) ?? defaults.leeway,
            requireExp: reader.bool("require_exp") ?? defaults.requireExp,
            scopeClaims: Self.scopeClaims(reader) ?? defaults.scopeClaims,
            revokedFile: reader.file("revoked_file"),
            maxLifetime: reader.duration("max_lifetime")
        )
    }

    private static func scopeClaims(_ reader: TableReader) -> [String]? {
        guard let claims = reader.strings("scope_claims") else { return nil }
        guard !claims.isEmpty else {
            reader.error("scope_claims", "needs at least one claim name, such as \"scope\"")
            return nil
        }
        guard !claims.contains(where: \.isEmpty) else {
            reader.error("scope_claims", "claim names must not be empty")
            return nil
        }
        return claims
    }
}
