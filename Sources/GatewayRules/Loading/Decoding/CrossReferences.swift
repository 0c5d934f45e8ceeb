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

    /// The token endpoint with its issuer settled, after checking its signing key.
    func tokenEndpoint(
        _ endpoint: TokenEndpointRules,
        reader: TableReader,
        keys: [KeyRule],
        declaredKeyIDs: Set<String>
    ) -> TokenEndpointRules {
        var endpoint = endpoint
        guard declaredKeyIDs.contains(endpoint.signingKey) else {
            let hint = Suggestion.hint(for: endpoint.signingKey, among: declaredKeyIDs.sorted())
            reader.error("signing_key", "no [[keys]] entry has id \"\(endpoint.signingKey)\"\(hint)")
            return endpoint
        }
        // An invalid [[keys]] entry was reported where it is written; nothing more to check.
        guard let key = keys.first(where: { $0.id == endpoint.signingKey }) else { return endpoint }
        if key.privateKeyFile == nil {
            reader.error("signing_key", "key \"\(key.id)\" has no private_key_file to sign tokens with")
        }
        if let pinned = key.issuer {
            if !reader.has("issuer") {
                endpoint.issuer = pinned
            } else if endpoint.issuer != pinned {
                reader.error("issuer", "must equal the issuer key \"\(key.id)\" pins (\"\(pinned)\")")
            }
        }
        return endpoint
    }
}
