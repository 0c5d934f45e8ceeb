import GatewayPolicy
import GatewayRouting

/// Turns a request head into its exchange's verdict: first the HTTP rules the policy does not
/// own (`Host`, the target's form, shutdown), then the policy itself. Pure: the same head,
/// configuration and clock give the same verdict.
enum ExchangeAdmission {
    /// What the connection knows of a head beyond its fields.
    struct Head {
        var method: String
        /// The request target as received.
        var target: String
        /// The `Host` field (HTTP/1.1) or `:authority` (HTTP/2), when present.
        var authority: String?
        /// How many `Host` fields the head has (more than one is refused).
        var authorityCount: Int
        /// HTTP/1.1 requires `Host` (RFC 9112 §3.2); HTTP/1.0 does not; HTTP/2 has `:authority`.
        var requiresAuthority: Bool
        var hasBody: Bool
        var isSecure: Bool
    }

    /// The verdict, and the normalised host (empty when there is none) for the audit record.
    static func decide<Fields: RequestFields>(
        _ head: Head,
        fields: Fields,
        policy: Policy,
        context: PolicyContext,
        isDraining: Bool
    ) -> (verdict: ExchangeStateMachine.Verdict, host: String, unknownKeyID: String?) {
        var host = ""
        if head.authorityCount > 1 { return (.refuse(Denial(reason: .badRequest)), host, nil) }
        if let authority = head.authority {
            guard let normalised = HostName.normalize(authority) else {
                return (.refuse(Denial(reason: .badRequest)), host, nil)
            }
            host = normalised
        } else if head.requiresAuthority {
            // RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without Host.
            return (.refuse(Denial(reason: .badRequest)), host, nil)
        }
        // Origin form only (RFC 9112 §3.2.1): absolute-form and `*` are not proxied.
        guard head.target.utf8.first == UInt8(ascii: "/") else { return (.refuse(Denial(reason: .badRequest)), host, nil) }
        if isDraining { return (.refuse(Denial(reason: .shuttingDown)), host, nil) }
        let request = PolicyRequest(
            method: head.method,
            target: head.target,
            host: host.isEmpty ? nil : host,
            fields: fields,
            hasBody: head.hasBody,
            isSecure: head.isSecure
        )
        switch policy.decide(request, context: context) {
        case .deny(let denial):
            return (.refuse(denial), host, denial.unknownKeyID)
        case .allow(let allowance):
            return (.allow(allowance), host, nil)
        }
    }
}
