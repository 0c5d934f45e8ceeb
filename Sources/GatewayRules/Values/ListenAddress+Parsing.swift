extension ListenAddress {
    /// Parses `"host:port"` or `"[v6]:port"` (port 0–65535; 0 lets the system pick a free port,
    /// which the gateway logs), as in `server.listen` and `admin.listen`.
    init(parsing text: String) throws(ValueError) {
        let parsed = try HostPort(parsing: Substring(text), requirePort: true, allowsPortZero: true)
        self.init(host: parsed.host, port: parsed.port ?? 0)
    }
}
