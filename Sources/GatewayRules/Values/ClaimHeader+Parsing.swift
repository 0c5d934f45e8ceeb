extension ClaimHeader {
    /// Hop-by-hop fields (RFC 9110 §7.6.1, plus `Keep-Alive` and `Proxy-Connection`): removed
    /// before forwarding, so a claim sent in one would never arrive.
    static let hopByHopNames: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te",
        "trailer", "transfer-encoding", "upgrade",
    ]
    /// Credential fields (SPEC §3, §10): removed upstream unless `forward_credentials`, and never a
    /// place for data the gateway vouches for.
    static let credentialNames: Set<String> = ["authorization", "x-api-key", "dpop", "cookie"]
    /// Fields that frame or address the request, or that the gateway itself sets (SPEC §3).
    static let framingNames: Set<String> = ["host", "content-length", "x-request-id", "forwarded"]

    /// Checks `name` as a header that may carry a claim upstream (SPEC §10): an RFC 9110 §5.1
    /// field name (a token), and none of the fields the gateway reserves — hop-by-hop fields,
    /// credential fields (`Authorization`, `X-API-Key`, `DPoP`, `Signature*`), `Host`,
    /// `Content-Length`, `Transfer-Encoding`, `X-Request-Id`, and the `X-Auth-*` and
    /// `X-Forwarded-*` families the gateway sets itself.
    static func checkName(_ name: String) throws(ValueError) {
        guard !name.isEmpty, name.utf8.allSatisfy(ASCII.isTokenCharacter) else {
            throw ValueError("not a valid header field name (RFC 9110 §5.1: letters, digits and !#$%&'*+-.^_`|~)")
        }
        let lower = name.lowercased()
        if Self.hopByHopNames.contains(lower) {
            throw ValueError("cannot carry a claim: \(name) is a hop-by-hop field, removed before forwarding")
        }
        if Self.credentialNames.contains(lower) || lower.hasPrefix("signature") {
            throw ValueError("cannot carry a claim: \(name) is a credential field")
        }
        if Self.framingNames.contains(lower) {
            throw ValueError("cannot carry a claim: the gateway sets or checks \(name) itself")
        }
        if lower.hasPrefix("x-auth-") {
            throw ValueError("cannot carry a claim: the gateway sets the X-Auth-* fields itself")
        }
        if lower.hasPrefix("x-forwarded-") {
            throw ValueError("cannot carry a claim: the gateway sets the X-Forwarded-* fields itself")
        }
    }
}
