extension RedisLocation {
    /// Parses `redis://[user[:password]@]host[:port][/db]` (user and password percent-decoded),
    /// or the same with `rediss://` for TLS (the scheme of redis-cli and the Redis clients;
    /// IANA's provisional `rediss` registration).
    ///
    /// Error messages never repeat the text: it may hold a password.
    init(parsing text: String) throws(ValueError) {
        let tls: Bool
        var rest: Substring
        if text.hasPrefix("redis://") {
            tls = false
            rest = Substring(text).dropFirst("redis://".count)
        } else if text.hasPrefix("rediss://") {
            tls = true
            rest = Substring(text).dropFirst("rediss://".count)
        } else {
            throw ValueError(
                "expected \"memory\" or a URL redis://[user[:password]@]host[:port][/db] (rediss:// for TLS)"
            )
        }
        var database = 0
        if let slash = rest.firstIndex(of: "/") {
            let dbText = rest[rest.index(after: slash)...]
            if !dbText.isEmpty {
                guard let number = ASCII.decimal(dbText.utf8) else {
                    throw ValueError("the database after \"/\" must be a number")
                }
                database = number
            }
            rest = rest[..<slash]
        }
        var username: String?
        var password: Secret?
        if let at = rest.lastIndex(of: "@") {
            (username, password) = try Self.credentials(rest[..<at])
            rest = rest[rest.index(after: at)...]
        }
        let parsed: HostPort
        do {
            parsed = try HostPort(parsing: rest, requirePort: false)
        } catch {
            throw ValueError("invalid host or port in the redis URL")
        }
        self.init(
            host: parsed.host,
            port: parsed.port ?? 6379,
            database: database,
            username: username,
            password: password,
            tls: tls
        )
    }

    /// The user and password of the URL's user info.
    private static func credentials(_ userInfo: Substring) throws(ValueError) -> (String?, Secret?) {
        let parts = userInfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let user = PercentDecoding.decode(parts[0]) else {
            throw ValueError("malformed percent-escape in the redis URL's user info")
        }
        guard parts.count == 2 else { return (user.isEmpty ? nil : user, nil) }
        guard let secret = PercentDecoding.decode(parts[1]) else {
            throw ValueError("malformed percent-escape in the redis URL's user info")
        }
        return (user.isEmpty ? nil : user, Secret(bytes: Array(secret.utf8), source: .inline))
    }
}
