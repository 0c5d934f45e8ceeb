/// Checks that span sections: each route's upstream exists; the token endpoint signs with a
/// `[[keys]]` entry that has a private key and agrees with its issuer (SPEC §9).
struct CrossReferences {
    let root: TableReader

    /// Reports routes whose `upstream` names no `[[upstreams]]` entry (declared, even if invalid).
    func checkUpstreams(of routes: [Located<RouteRule>], declared: Set<String>) {
        for route in routes where !declared.contains(route.value.upstream) {
            let hint = Suggestion.hint(for: route.value.upstream, among: declared.sorted())
            self.root.context.report(
                .error,
                at: route.path.appending("upstream"),
                "no upstream named \"\(route.value.upstream)\"\(hint)"
            )
        }
    }

    /// The token endpoint with its issuer settled, after checking its signing key, its `ttl`
    /// against `jwt.max_lifetime`, and its paths against the routes (SPEC §9 "Token endpoint").
    func tokenEndpoint(
        _ endpoint: TokenEndpointRules,
        reader: TableReader,
        keys: [KeyRule],
        declaredKeyIDs: Set<String>,
        jwt: JWTRules,
        routes: [Located<RouteRule>]
    ) -> TokenEndpointRules {
        var endpoint = endpoint
        if let maxLifetime = jwt.maxLifetime, endpoint.ttl > maxLifetime {
            reader.error(
                reader.has("ttl") ? "ttl" : nil,
                "ttl (\(endpoint.ttl.components.seconds)s) exceeds jwt.max_lifetime "
                    + "(\(maxLifetime.components.seconds)s): the gateway would refuse the tokens it issues"
            )
        }
        self.checkCollisions(endpoint, reader: reader, routes: routes)
        guard declaredKeyIDs.contains(endpoint.signingKey) else {
            let hint = Suggestion.hint(for: endpoint.signingKey, among: declaredKeyIDs.sorted())
            reader.error("signing_key", "no [[keys]] entry has id \"\(endpoint.signingKey)\"\(hint)")
            return endpoint
        }
        // An invalid [[keys]] entry was reported where it is written; nothing more to check.
        guard let key = keys.first(where: { $0.id == endpoint.signingKey }) else { return endpoint }
        // An HS* key signs with its secret; any other needs its private key.
        if key.privateKeyFile == nil, !key.alg.isHMAC {
            reader.error("signing_key", "key \"\(key.id)\" has no private_key_file to sign tokens with")
        }
        if let pinned = key.issuer {
            if !reader.has("issuer") {
                endpoint.issuer = pinned
            } else if endpoint.issuer != pinned {
                reader.error("issuer", "must equal the issuer key \"\(key.id)\" pins (\"\(pinned)\")")
            }
        }
        // A key that pins audiences refuses a token without one of them (SPEC §9 check 7).
        if !key.audiences.isEmpty, endpoint.audience.map(key.audiences.contains) != true {
            let pinned = key.audiences.map { "\"\($0)\"" }.joined(separator: ", ")
            reader.error(
                endpoint.audience == nil ? nil : "audience",
                "must be one of the audiences key \"\(key.id)\" pins (\(pinned)), or the gateway would refuse the "
                    + "tokens it issues"
            )
        }
        return endpoint
    }

    /// The proxy answers the endpoint's paths itself, before routing: a route that would match
    /// one of them (its `path`, or a `path_prefix` covering it, whatever its host and methods)
    /// would silently never see those requests, so it is refused.
    private func checkCollisions(_ endpoint: TokenEndpointRules, reader: TableReader, routes: [Located<RouteRule>]) {
        for (key, path) in [("path", endpoint.path), ("revoke_path", endpoint.revokePath)] {
            for route in routes where Self.route(route.value.path, matches: path) {
                let written: String
                switch route.value.path {
                case .exact(let text): written = "path \"\(text)\""
                case .prefix(let text): written = "path_prefix \"\(text)\""
                }
                reader.error(
                    reader.has(key) ? key : nil,
                    "\(path) is also matched by route \"\(route.value.name)\" (\(written)); the token endpoint "
                        + "answers it first, so give the endpoint a path no route matches"
                )
            }
        }
    }

    /// Whether a route's path matches `path` as the router would (SPEC §2: a prefix matches whole
    /// segments; `/` matches every path; a trailing `/` of a prefix is ignored).
    static func route(_ routePath: RouteRule.Path, matches path: String) -> Bool {
        switch routePath {
        case .exact(let exact):
            return exact == path
        case .prefix(let prefix):
            var prefix = Substring(prefix)
            while prefix.count > 1, prefix.hasSuffix("/") { prefix = prefix.dropLast() }
            if prefix == "/" { return true }
            return path == prefix || path.hasPrefix(prefix + "/")
        }
    }
}
