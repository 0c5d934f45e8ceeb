extension RouteRule {
    /// Every key this table may hold (SPEC §2, §8); any other is an error.
    static let knownKeys = [
        "name", "host", "path", "path_prefix", "methods", "upstream", "auth", "scopes", "any_scopes", "audiences",
        "replay", "forward_credentials", "strip_prefix", "rate_limit", "burst", "public", "dpop", "claims_to_headers",
    ]
    /// Keys that demand a credential, so they contradict `public = true`.
    static let credentialKeys = ["auth", "scopes", "any_scopes", "audiences", "dpop"]

    /// One `[[routes]]` entry. The upstream name is checked against `[[upstreams]]` later.
    init?(decoding reader: TableReader) {
        reader.rejectUnknownKeys(Self.knownKeys)
        let name = reader.requiredString("name")
        let host = reader.parsed("host", as: "host pattern", Host.init(parsing:))
        let path = Self.path(reader)
        let methods = Self.methods(reader)
        let upstream = reader.requiredString("upstream")
        let auth = Self.auth(reader)
        let scopes = reader.scopes("scopes")
        let anyScopes = reader.scopes("any_scopes")
        let audiences = reader.strings("audiences") ?? []
        let replay = reader.choice("replay", among: ["off", "required"]).flatMap(ReplayRequirement.init) ?? .off
        let dpop = reader.choice("dpop", among: ["optional", "required"]).flatMap(DPoPRequirement.init) ?? .optional
        let claimsToHeaders = Self.claimsToHeaders(reader)
        let rateLimit = Self.rateLimit(reader)
        let forwardCredentials = reader.bool("forward_credentials") ?? false
        let stripPrefix = reader.bool("strip_prefix") ?? false
        let isPublic = reader.bool("public") ?? false
        if isPublic { Self.rejectCredentialKeys(reader, replay: replay) }
        Self.checkReplayKinds(reader, auth: auth, replay: replay)
        Self.checkDPoPKinds(reader, auth: auth, dpop: dpop)
        if isPublic, let claimsToHeaders, !claimsToHeaders.isEmpty {
            reader.warning(
                "claims_to_headers",
                anchor: .key,
                "a public route verifies no token, so these headers are only removed, never set"
            )
        }
        guard let name, let path, let upstream, let auth, let scopes, let anyScopes, let claimsToHeaders else {
            return nil
        }
        self.init(
            name: name,
            host: host,
            path: path,
            methods: methods,
            upstream: upstream,
            auth: auth,
            scopes: scopes,
            anyScopes: anyScopes,
            audiences: audiences,
            replay: replay,
            dpop: dpop,
            claimsToHeaders: claimsToHeaders,
            forwardCredentials: forwardCredentials,
            stripPrefix: stripPrefix,
            rateLimit: rateLimit,
            isPublic: isPublic
        )
    }

    /// `path` (exact) or `path_prefix`, exactly one, each a normalised absolute path.
    private static func path(_ reader: TableReader) -> Path? {
        guard let key = reader.exactlyOne(of: ["path", "path_prefix"], missing: "needs path or path_prefix") else {
            return nil
        }
        guard let text = reader.parsed(key, as: "path", { text throws(ValueError) in try Self.checkPath(text) })
        else { return nil }
        return key == "path" ? .exact(text) : .prefix(text)
    }

    /// Request paths are normalised before matching (SPEC §9), so a route path that is not could
    /// never match: it must start with `/` and hold no query, `\`, empty, `.` or `..` segment.
    /// The token endpoint's paths are checked the same way.
    static func checkPath(_ text: String) throws(ValueError) -> String {
        guard text.hasPrefix("/") else { throw ValueError("must start with \"/\"") }
        if text.contains("?") || text.contains("#") { throw ValueError("a path has no query or fragment") }
        if text.contains("\\") { throw ValueError("\"\\\" is not allowed") }
        let segments = text.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        for (offset, segment) in segments.enumerated() {
            let isLast = offset == segments.count - 1
            if segment == "." || segment == ".." { throw ValueError("no \".\" or \"..\" segments") }
            if segment.isEmpty, !isLast { throw ValueError("no empty segments (\"//\")") }
        }
        return text
    }

    /// Methods, uppercased, each an RFC 9110 token; absent means every method.
    private static func methods(_ reader: TableReader) -> [String]? {
        guard let texts = reader.strings("methods") else { return nil }
        guard !texts.isEmpty else {
            reader.error("methods", "must not be empty; leave methods out to allow every method")
            return nil
        }
        var methods: [String] = []
        for (offset, text) in texts.enumerated() {
            guard !text.isEmpty, text.utf8.allSatisfy(ASCII.isTokenCharacter) else {
                let path = reader.path("methods").appending(index: offset + 1)
                reader.context.report(.error, at: path, "invalid method \"\(text)\": not an HTTP token")
                return nil
            }
            let method = text.uppercased()
            if !methods.contains(method) { methods.append(method) }
        }
        return methods
    }

    /// `auth`: credential kinds, at least one; absent means all three.
    private static func auth(_ reader: TableReader) -> [CredentialKind]? {
        guard reader.has("auth") else { return CredentialKind.allCases }
        guard let texts = reader.strings("auth") else { return nil }
        guard !texts.isEmpty else {
            reader.error("auth", "must name at least one kind (jwt, api_key, signature), or set public = true")
            return nil
        }
        var kinds: [CredentialKind] = []
        let names = CredentialKind.allCases.map(\.rawValue)
        for (offset, text) in texts.enumerated() {
            guard let kind = CredentialKind(rawValue: text) else {
                let path = reader.path("auth").appending(index: offset + 1)
                let hint = Suggestion.hint(for: text, among: names)
                reader.context.report(
                    .error,
                    at: path,
                    "unknown credential kind \"\(text)\"\(hint) (use jwt, api_key or signature)"
                )
                return nil
            }
            if !kinds.contains(kind) { kinds.append(kind) }
        }
        return kinds
    }

    /// `rate_limit` with its optional `burst` (a route's, or the token endpoint's).
    static func rateLimit(_ reader: TableReader) -> RateLimitRule? {
        let burst = reader.integer("burst", atLeast: 1)
        guard reader.has("rate_limit") else {
            if reader.has("burst") { reader.error("burst", anchor: .key, "needs rate_limit") }
            return nil
        }
        return reader.parsed("rate_limit", as: "rate limit") { text throws(ValueError) in
            try RateLimitRule(parsing: text, burst: burst)
        }
    }

    /// `claims_to_headers = { "X-Tenant" = "tenant", … }`: header names checked by
    /// `ClaimHeader.checkName`, each at its own key path, and no two naming the same field (names
    /// compare case-insensitively). Absent means none.
    private static func claimsToHeaders(_ reader: TableReader) -> [ClaimHeader]? {
        guard reader.has("claims_to_headers") else { return [] }
        guard let table = reader.table("claims_to_headers") else { return nil }
        var entries: [ClaimHeader] = []
        var valid = true
        for name in table.table.keys {
            let claim = table.nonEmptyString(name)
            do throws(ValueError) {
                try ClaimHeader.checkName(name)
            } catch {
                table.error(name, anchor: .key, error.message)
                valid = false
                continue
            }
            if let earlier = entries.first(where: { $0.name.lowercased() == name.lowercased() }) {
                table.error(name, anchor: .key, "names the same header field as \"\(earlier.name)\"")
                valid = false
                continue
            }
            guard let claim else {
                valid = false
                continue
            }
            entries.append(ClaimHeader(name: name, claim: claim))
        }
        return valid ? entries : nil
    }

    /// `dpop = "required"` admits only DPoP-bound JWTs (SPEC §10): the route must accept JWTs.
    private static func checkDPoPKinds(_ reader: TableReader, auth: [CredentialKind]?, dpop: DPoPRequirement) {
        guard dpop == .required, let auth, !auth.contains(.jwt) else { return }
        reader.error("dpop", "\"required\" admits only DPoP-bound JWTs; allow \"jwt\" in auth")
    }

    /// A public route checks no credential, so keys that demand one contradict it.
    private static func rejectCredentialKeys(_ reader: TableReader, replay: ReplayRequirement) {
        for key in Self.credentialKeys where reader.has(key) {
            reader.error(key, anchor: .key, "contradicts public = true: a public route checks no credential")
        }
        if replay == .required {
            reader.error("replay", "contradicts public = true: a public route checks no credential")
        }
    }

    /// Replay protection needs a nonce or a `jti` (SPEC §4): an API key alone cannot give one.
    private static func checkReplayKinds(_ reader: TableReader, auth: [CredentialKind]?, replay: ReplayRequirement) {
        guard replay == .required, let auth, !auth.isEmpty, auth.allSatisfy({ $0 == .apiKey }) else { return }
        reader.error("replay", "an API key cannot be replay-protected; allow \"jwt\" or \"signature\" in auth")
    }
}
