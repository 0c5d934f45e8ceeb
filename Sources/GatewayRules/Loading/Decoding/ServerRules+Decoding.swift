extension ServerRules {
    /// Every key this table may hold (SPEC §2, §8); any other is an error.
    static let knownKeys = [
        "listen", "threads", "tls", "max_header_bytes", "max_body_bytes", "max_uri_bytes", "header_timeout",
        "idle_timeout", "shutdown_grace", "max_connections", "trusted_proxies",
    ]

    /// `[server]`: every key is optional and defaults as SPEC §2 shows.
    init(decoding reader: TableReader) {
        reader.rejectUnknownKeys(Self.knownKeys)
        let defaults = ServerRules()
        self.init(
            listen: Self.listen(reader) ?? defaults.listen,
            threads: reader.integer("threads", atLeast: 0) ?? defaults.threads,
            tls: reader.table("tls").flatMap(TLSRules.init(decoding:)),
            maxHeaderBytes: reader.size("max_header_bytes") ?? defaults.maxHeaderBytes,
            maxBodyBytes: reader.size("max_body_bytes") ?? defaults.maxBodyBytes,
            maxURIBytes: reader.size("max_uri_bytes") ?? defaults.maxURIBytes,
            headerTimeout: reader.duration("header_timeout") ?? defaults.headerTimeout,
            idleTimeout: reader.duration("idle_timeout") ?? defaults.idleTimeout,
            shutdownGrace: reader.duration("shutdown_grace", allowZero: true) ?? defaults.shutdownGrace,
            maxConnections: reader.integer("max_connections", atLeast: 1) ?? defaults.maxConnections,
            trustedProxies: reader.parsedList("trusted_proxies", as: "CIDR", CIDR.init(parsing:)) ?? []
        )
    }

    /// `listen`: one address or an array of them, none twice.
    private static func listen(_ reader: TableReader) -> [ListenAddress]? {
        guard let items = reader.stringOrStrings("listen") else { return nil }
        guard !items.isEmpty else {
            reader.error("listen", "needs at least one address")
            return nil
        }
        var addresses: [ListenAddress] = []
        for item in items {
            guard
                let address = reader.parse(item.text, at: item.path, as: "listen address", ListenAddress.init(parsing:))
            else { continue }
            if addresses.contains(address) {
                reader.context.report(.error, at: item.path, "\(address) is listed twice")
            }
            addresses.append(address)
        }
        return addresses.count == items.count ? addresses : nil
    }
}
