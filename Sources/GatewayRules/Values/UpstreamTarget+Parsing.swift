extension UpstreamTarget {
    /// Parses `"host:port"`, `"http://host:port"` or `"https://host:port"`.
    ///
    /// Without a scheme the port is required; with one it defaults to 80 or 443. A single trailing
    /// `/` is allowed; paths, queries and user info are not (the gateway forwards the request's own
    /// path).
    init(parsing text: String) throws(ValueError) {
        var rest = Substring(text)
        var scheme = Scheme.http
        var schemeGiven = false
        if let range = rest.firstRange(of: "://") {
            let name = rest[..<range.lowerBound].lowercased()
            guard let known = Scheme(rawValue: name) else {
                throw ValueError("unsupported scheme \"\(name)\"; use http:// or https://")
            }
            scheme = known
            schemeGiven = true
            rest = rest[range.upperBound...]
        }
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        if rest.contains("/") || rest.contains("?") || rest.contains("#") {
            throw ValueError("a target is host:port only, without a path")
        }
        if rest.contains("@") { throw ValueError("user info is not allowed in a target") }
        let parsed = try HostPort(parsing: rest, requirePort: !schemeGiven)
        self.init(scheme: scheme, host: parsed.host, port: parsed.port ?? (scheme == .https ? 443 : 80))
    }
}
