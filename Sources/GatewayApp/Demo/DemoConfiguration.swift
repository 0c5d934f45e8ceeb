import GatewayCredentials

/// The demo's embedded rules, its credentials (made fresh at every start) and the curl lines
/// it prints.
struct DemoConfiguration {
    let listenPort: Int
    let upstreamPort: Int
    /// The demo's API key (its hash goes into the rules).
    let apiKey: GeneratedAPIKey
    /// A token signed with the demo's HS256 secret, valid for an hour.
    let token: String
    /// The file holding the HS256 secret (next to the rules file).
    let secretFile: String

    var rules: String {
        """
        [server]
        listen = "127.0.0.1:\(self.listenPort)"
        threads = 1

        [audit]
        sink = "stdout"

        [[keys]]
        id = "demo-hs256"
        alg = "HS256"
        secret_file = "\(self.secretFile)"

        [[api_keys]]
        id = "demo-partner"
        hash = "\(self.apiKey.hashText)"
        scopes = ["orders:read"]
        subject = "partner-co"

        [[upstreams]]
        name = "echo"
        targets = ["127.0.0.1:\(self.upstreamPort)"]

        [[routes]]
        name = "public-hello"
        path_prefix = "/public"
        methods = ["GET", "POST"]
        upstream = "echo"
        public = true

        [[routes]]
        name = "orders"
        path_prefix = "/orders"
        upstream = "echo"
        scopes = ["orders:read"]

        [[routes]]
        name = "admin"
        path_prefix = "/admin"
        upstream = "echo"
        scopes = ["admin"]
        """
    }

    var banner: String {
        let base = "http://127.0.0.1:\(self.listenPort)"
        return """

        The gateway listens on \(base); its upstream is a built-in echo service that shows what
        the gateway forwarded. Audit records are printed below as requests finish.

        Allowed:
          curl -i \(base)/public/hello
          curl -i -H 'X-API-Key: \(self.apiKey.key)' \(base)/orders/42
          curl -i -H 'Authorization: Bearer \(self.token)' \(base)/orders/42

        Refused:
          curl -i \(base)/orders/42                                  # 401 missing_credential
          curl -i -H 'X-API-Key: gk_not_a_real_key' \(base)/orders/42  # 401 unknown_key
          curl -i -H 'Authorization: Bearer \(self.token)' \(base)/admin/stats   # 403 insufficient_scope
          curl -i -X DELETE \(base)/public/hello                     # 405 method_not_allowed
          curl -i \(base)/nowhere                                    # 404 no_route
          curl -i --path-as-is \(base)/public/../orders/42           # 401: normalised to /orders/42

        Press Ctrl-C to stop.
        """
    }
}
