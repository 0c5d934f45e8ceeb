/// What a DPoP proof must match in the request that carries it (RFC 9449 §4.3 steps 8–9): the
/// method, and the target URI without query and fragment.
///
/// The target URI is derived as SPEC §9 "Signatures" derives `@target-uri` (RFC 9421 §2.2.2):
/// from the request as the gateway received it, before path normalisation — the scheme of the
/// connection, the authority from `Host` (`:authority` in HTTP/2), the path as received; an
/// absolute-form request target is the target URI itself.
public struct DPoPRequest: Sendable, Equatable {
    /// The method token as received (`htm` is compared case-sensitively, RFC 9110 §9.1).
    public var method: String
    /// The normalised target URI (`DPoPTargetURI`); nil when none can be formed (no `Host`).
    public var targetURI: String?

    /// - Parameters:
    ///   - scheme: `http` or `https`: how the request reached the gateway.
    ///   - authority: the `Host` field value (or `:authority`) as received.
    ///   - target: the request target as received.
    public init(method: String, scheme: String, authority: String, target: String) {
        self.method = method
        let parsed = DerivedComponents.target(target)
        if !parsed.isAbsolute, let uri = DPoPTargetURI.alreadyNormalized(scheme: scheme, authority: authority, path: parsed.path) {
            self.targetURI = uri
            return
        }
        let uri = parsed.isAbsolute ? target : "\(scheme)://\(ASCII.trimmingWhitespace(authority))\(parsed.path)"
        self.targetURI = DPoPTargetURI.normalized(uri[...])
    }

    /// The request a client makes to an absolute `http` or `https` URL (`gateway dpop proof`).
    public init?(method: String, url: String) {
        guard let normalized = DPoPTargetURI.normalized(url[...]) else { return nil }
        self.method = method
        self.targetURI = normalized
    }
}
