import NIOHTTP1

/// Header names that describe one connection, not the message (RFC 9110 §7.6.1), and are
/// never forwarded; together with the names a `Connection` header lists.
enum HopByHop {
    static let names: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
        "proxy-authorization", "proxy-authenticate",
    ]

    /// The lowercased field names listed in `Connection` headers.
    static func connectionTokens(_ headers: HTTPHeaders) -> Set<String> {
        var tokens: Set<String> = []
        for value in headers["connection"] {
            for token in value.split(separator: ",") {
                let trimmed = token.trimmingWhitespace().lowercased()
                if !trimmed.isEmpty { tokens.insert(trimmed) }
            }
        }
        return tokens
    }

    /// Whether `name` (any case) is hop-by-hop, given the `Connection` tokens.
    static func isHopByHop(_ name: String, connectionTokens: Set<String>) -> Bool {
        let lowered = name.lowercased()
        return Self.names.contains(lowered) || connectionTokens.contains(lowered)
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (HTTP optional whitespace).
    func trimmingWhitespace() -> SubSequence {
        var start = self.startIndex
        var end = self.endIndex
        while start < end, self[start] == " " || self[start] == "\t" { start = self.index(after: start) }
        while end > start {
            let before = self.index(before: end)
            guard self[before] == " " || self[before] == "\t" else { break }
            end = before
        }
        return self[start..<end]
    }
}
