/// Turns the parsed root table of a rules file into `Rules`, reporting every problem on the way.
struct RulesDecoder {
    /// Every key this table may hold (SPEC §2, §8); any other is an error.
    static let knownKeys = [
        "server", "admin", "audit", "jwt", "replay", "keys", "jwks", "api_keys", "api_keys_file", "signing_keys",
        "upstreams", "routes", "token_endpoint", "dpop",
    ]

    let root: TableReader

    /// The rules, or nil when a part could not be decoded (the log then holds an error).
    func decode() -> Rules? {
        self.root.rejectUnknownKeys(Self.knownKeys)
        let server = self.root.table("server").map(ServerRules.init(decoding:)) ?? ServerRules()
        let admin = self.root.table("admin").flatMap(AdminRules.init(decoding:))
        self.checkAdminListen(admin, server: server)
        let keys = self.entries("keys", nameKey: "id", what: "key id", KeyRule.init(decoding:))
        let signingKeys = self.entries(
            "signing_keys",
            nameKey: "id",
            what: "signing key id",
            SigningKeyRule.init(decoding:)
        )
        let upstreams = self.entries("upstreams", nameKey: "name", what: "upstream name", UpstreamRule.init(decoding:))
        let routes = self.entries("routes", nameKey: "name", what: "route name", RouteRule.init(decoding:))
        self.refuseEmptyRoutes()
        let checks = CrossReferences(root: self.root)
        checks.checkUpstreams(of: routes.decoded, declared: upstreams.declared)
        let jwt = self.root.table("jwt").map(JWTRules.init(decoding:)) ?? JWTRules()
        return Rules(
            sourcePath: self.root.context.source.path,
            server: server,
            admin: admin,
            audit: self.root.table("audit").map(AuditRules.init(decoding:)) ?? AuditRules(),
            jwt: jwt,
            replay: self.root.table("replay").map(ReplayRules.init(decoding:)) ?? ReplayRules(),
            dpop: self.root.table("dpop").map(DPoPRules.init(decoding:)) ?? DPoPRules(),
            keys: keys.decoded.map(\.value),
            jwks: self.root.entries("jwks").compactMap(JWKSRule.init(decoding:)),
            apiKeys: self.apiKeys(),
            signingKeys: signingKeys.decoded.map(\.value),
            upstreams: upstreams.decoded.map(\.value),
            routes: routes.decoded.map(\.value),
            tokenEndpoint: self.tokenEndpoint(keys: keys, jwt: jwt, routes: routes.decoded, checks: checks)
        )
    }

    /// The entries of `[[key]]` that decode, and every name declared (by valid and invalid entries
    /// alike, so a reference to an invalid entry is not reported twice). Repeated names are errors.
    private func entries<Rule>(
        _ key: String,
        nameKey: String,
        what: String,
        _ decode: (TableReader) -> Rule?
    ) -> (decoded: [Located<Rule>], declared: Set<String>) {
        var registry = NameRegistry<String, KeyPath>()
        var decoded: [Located<Rule>] = []
        for entry in self.root.entries(key) {
            if let name = entry.peekString(nameKey) {
                registry.claim(name, shown: "\"\(name)\"", what: what, key: nameKey, of: entry)
            }
            if let rule = decode(entry) {
                decoded.append(Located(value: rule, path: entry.path))
            }
        }
        return (decoded, Set(registry.names))
    }

    /// Inline `[[api_keys]]` first, then those of `api_keys_file`.
    private func apiKeys() -> [APIKeyRule] {
        var collector = APIKeyCollector()
        collector.add(self.root.entries("api_keys"))
        collector.add(APIKeysFile.entries(named: self.root))
        return collector.keys
    }

    /// `[token_endpoint]`, checked against the `[[keys]]` entries, `[jwt]` and the routes.
    private func tokenEndpoint(
        keys: (decoded: [Located<KeyRule>], declared: Set<String>),
        jwt: JWTRules,
        routes: [Located<RouteRule>],
        checks: CrossReferences
    ) -> TokenEndpointRules? {
        guard let reader = self.root.table("token_endpoint"), let endpoint = TokenEndpointRules(decoding: reader) else {
            return nil
        }
        return checks.tokenEndpoint(
            endpoint,
            reader: reader,
            keys: keys.decoded.map(\.value),
            declaredKeyIDs: keys.declared,
            jwt: jwt,
            routes: routes
        )
    }

    /// SPEC §9 "Empty rules": a file without a single `[[routes]]` entry serves nothing, so
    /// `check`, `run` and a reload all refuse it — a file truncated during a deploy must not
    /// become an outage of 404s. (A `routes` value that is not an array is reported by `entries`.)
    private func refuseEmptyRoutes() {
        if let value = self.root.table["routes"] {
            guard let array = value.array, array.isEmpty else { return }
        }
        self.root.context.report(
            .error,
            at: self.root.path("routes"),
            "no [[routes]] entry: every request would be answered 404; "
                + "a rules file must declare at least one route (is the file empty or truncated?)"
        )
    }

    /// The admin listener cannot share an address with the server (port 0, "any free port",
    /// never clashes).
    private func checkAdminListen(_ admin: AdminRules?, server: ServerRules) {
        guard let admin, admin.listen.port != 0, server.listen.contains(admin.listen) else { return }
        self.root.context.report(
            .error,
            at: self.root.path("admin").appending("listen"),
            "\(admin.listen) is also a server.listen address"
        )
    }
}
