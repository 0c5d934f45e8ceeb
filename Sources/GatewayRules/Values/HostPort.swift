/// A `host:port` pair as written in `listen` addresses and upstream targets.
///
/// The host is a name (`localhost`, `orders.internal`), dotted IPv4, or IPv6 in brackets
/// (`[::1]:8080`); it is kept without brackets.
struct HostPort: Equatable {
    var host: String
    var port: Int?

    /// Parses `text`; with `requirePort`, a missing port is an error. `allowsPortZero` accepts
    /// port 0 (a listener on a free port the system picks).
    init(parsing text: Substring, requirePort: Bool, allowsPortZero: Bool = false) throws(ValueError) {
        let (host, portText) = try Self.split(text)
        try Self.validateHost(host)
        self.host = String(host)
        if let portText {
            let lowest = allowsPortZero ? 0 : 1
            guard let port = ASCII.decimal(portText.utf8, limit: 65_535), port >= lowest else {
                throw ValueError("port must be a number from \(lowest) to 65535")
            }
            self.port = port
        } else if requirePort {
            throw ValueError("missing port; write host:port, as in \"127.0.0.1:8080\"")
        } else {
            self.port = nil
        }
    }

    /// Splits off the host (brackets removed) and the port text, if any.
    private static func split(_ text: Substring) throws(ValueError) -> (Substring, Substring?) {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw ValueError("missing \"]\" after the IPv6 address") }
            let host = text[text.index(after: text.startIndex)..<close]
            guard IPAddress.parseV6(host) != nil else { throw ValueError("\"\(host)\" is not an IPv6 address") }
            let rest = text[text.index(after: close)...]
            if rest.isEmpty { return (host, nil) }
            guard rest.hasPrefix(":") else { throw ValueError("expected \":port\" after \"]\"") }
            return (host, rest.dropFirst())
        }
        let colons = text.count(where: { $0 == ":" })
        if colons > 1 { throw ValueError("an IPv6 address needs brackets, as in \"[::1]:8080\"") }
        guard let colon = text.firstIndex(of: ":") else { return (text, nil) }
        return (text[..<colon], text[text.index(after: colon)...])
    }

    /// Accepts IPv6 (already checked), dotted IPv4 and DNS names (letters, digits, `-`, `_`, dots).
    private static func validateHost(_ host: Substring) throws(ValueError) {
        guard !host.isEmpty else { throw ValueError("missing host; use 0.0.0.0 or [::] for every address") }
        if host.contains(":") { return }
        if host.allSatisfy({ $0.isNumber || $0 == "." }) {
            guard IPAddress.parseV4(host) != nil else { throw ValueError("\"\(host)\" is not an IPv4 address") }
            return
        }
        guard HostName.isValid(host) else { throw ValueError("\"\(host)\" is not a valid host name") }
    }
}
