extension UpstreamRule {
    /// Every key this table may hold (SPEC §2, §8); any other is an error.
    static let knownKeys = ["name", "targets", "connect_timeout", "response_timeout", "ca_file"]

    /// One `[[upstreams]]` entry: a name and at least one target.
    init?(decoding reader: TableReader) {
        reader.rejectUnknownKeys(Self.knownKeys)
        let name = reader.requiredString("name")
        let targets = Self.targets(reader)
        let defaults = UpstreamRule(name: "", targets: [])
        let connectTimeout = reader.duration("connect_timeout") ?? defaults.connectTimeout
        let responseTimeout = reader.duration("response_timeout") ?? defaults.responseTimeout
        let caFile = reader.file("ca_file")
        guard let name, let targets else { return nil }
        if caFile != nil, !targets.contains(where: { $0.scheme == .https }) {
            reader.warning("ca_file", anchor: .key, "has no effect: no target of this upstream uses https://")
        }
        self.init(
            name: name,
            targets: targets,
            connectTimeout: connectTimeout,
            responseTimeout: responseTimeout,
            caFile: caFile
        )
    }

    private static func targets(_ reader: TableReader) -> [UpstreamTarget]? {
        guard reader.has("targets") else {
            reader.error("targets", "required key is missing")
            return nil
        }
        guard let targets = reader.parsedList("targets", as: "target", UpstreamTarget.init(parsing:)) else {
            return nil
        }
        guard !targets.isEmpty else {
            reader.error("targets", "needs at least one \"host:port\" or \"https://host:port\"")
            return nil
        }
        return targets
    }
}
