extension ListenAddress {
    /// Parses `"host:port"` or `"[v6]:port"` (port 1–65535), as in `server.listen` and `admin.listen`.
    init(parsing text: String) throws(ValueError) {
        let parsed = try HostPort(parsing: Substring(text), requirePort: true)
        self.init(host: parsed.host, port: parsed.port ?? 0)
    }
}
