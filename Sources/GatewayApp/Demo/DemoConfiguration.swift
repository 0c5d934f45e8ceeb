/// The demo's embedded rules and the curl lines it prints.
enum DemoConfiguration {
    static func rules(listenPort: Int, upstreamPort: Int) -> String {
        """
        [server]
        listen = "127.0.0.1:\(listenPort)"
        threads = 1

        [audit]
        sink = "stdout"

        [[upstreams]]
        name = "echo"
        targets = ["127.0.0.1:\(upstreamPort)"]

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
        """
    }

    static func banner(port: Int) -> String {
        let base = "http://127.0.0.1:\(port)"
        return """

        The gateway listens on \(base); its upstream is a built-in echo service.

        Allowed (the echo service shows what the gateway forwarded):
          curl -i \(base)/public/hello
          curl -i -X POST --data 'hello' \(base)/public/echo

        Refused:
          curl -i \(base)/orders/42                 # 401 missing_credential
          curl -i -X DELETE \(base)/public/hello    # 405 method_not_allowed
          curl -i \(base)/nowhere                   # 404 no_route
          curl -i --path-as-is \(base)/public/../orders/42   # 401: normalised to /orders/42

        Press Ctrl-C to stop.
        """
    }
}
