extension RouteRule.Host {
    /// Parses a route's `host`: an exact name (`"api.example.com"`) or a wildcard (`"*.example.com"`,
    /// matching one or more labels before the suffix, SPEC §9). Names are lowercased; ports and
    /// other patterns are refused.
    init(parsing text: String) throws(ValueError) {
        let lowered = text.lowercased()
        if lowered.hasPrefix("*.") {
            let suffix = lowered.dropFirst(2)
            guard !suffix.contains("*"), HostName.isValid(suffix) else {
                throw ValueError("expected \"*.\" followed by a host name, as in \"*.example.com\"")
            }
            self = .wildcard(suffix: "." + suffix)
            return
        }
        if lowered.contains("*") {
            throw ValueError("only a leading \"*.\" is allowed, as in \"*.example.com\"")
        }
        if lowered.contains(":"), !lowered.hasPrefix("[") {
            throw ValueError("no port here: the Host port is ignored when matching")
        }
        guard HostName.isValid(Substring(lowered)) else {
            throw ValueError("expected a host name such as \"api.example.com\" or \"*.example.com\"")
        }
        self = .exact(lowered)
    }
}
