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
    /// The demo signing key's public and private PEM files, and a request body to sign.
    let signingPublicKeyFile: String
    let signingPrivateKeyFile: String
    let bodyFile: String
    /// How to run this `gateway` binary again (for the `gateway sign` line).
    let executable: String

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

        [[signing_keys]]
        id = "demo-bot"
        alg = "ed25519"
        public_key_file = "\(self.signingPublicKeyFile)"
        scopes = ["billing:write"]
        subject = "billing-bot"

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

        [[routes]]
        name = "billing"
        path_prefix = "/billing"
        methods = ["POST"]
        upstream = "echo"
        auth = ["signature"]
        scopes = ["billing:write"]
        replay = "required"
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

        A signed request (RFC 9421) on a replay-protected route — run the two lines, then the
        curl line again: the same request is refused the second time (401 replayed_nonce):
          \(self.executable) sign --key-id demo-bot --private-key \(self.signingPrivateKeyFile) --method POST --url \(base)/billing/charge --body-file \(self.bodyFile) > /tmp/gateway-demo-signed-headers
          curl -i -H @/tmp/gateway-demo-signed-headers --data-binary @\(self.bodyFile) \(base)/billing/charge

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
