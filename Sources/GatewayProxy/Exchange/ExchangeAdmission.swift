import GatewayPolicy
import GatewayRouting
import GatewayRules
import GatewayTokens

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
        var authority: Authority?
        /// How many `Host` fields the head has (more than one is refused).
        var authorityCount: Int
        /// HTTP/1.1 requires `Host` (RFC 9112 §3.2); HTTP/1.0 does not; HTTP/2 has `:authority`.
        var requiresAuthority: Bool
        var hasBody: Bool
        var isSecure: Bool
    }

    /// A request's `Host` or `:authority`.
    enum Authority {
        /// As received (HTTP/2's `:authority` or `host`): normalised by the admission.
        case raw(String)
        /// Normalised already, from the field's bytes (HTTP/1.1's `Host`): nil when malformed.
        case normalized(String?)

        /// The normal form (`HostName.normalize`), nil when malformed.
        var normalized: String? {
            switch self {
            case .raw(let value): return HostName.normalize(value)
            case .normalized(let host): return host
            }
        }
    }

    /// What the admission found.
    struct Outcome {
        var verdict: ExchangeStateMachine.Verdict
        /// The normalised host, or empty.
        var host: String
        /// For `unknown_key` on a JWT: the `kid` no key had (a JWK Set may need refreshing).
        var unknownKeyID: String?
        /// The token endpoint's operation when the request is for one of its paths.
        var tokenOperation: TokenEndpoint.Operation?
        /// The normalised path, when the admission normalised it (token endpoint requests).
        var path: String?
    }

    /// The verdict for a head: the HTTP rules, the token endpoint's paths (SPEC §8: answered by
    /// the gateway itself, before any route), then the policy.
    static func decide<Fields: RequestFields>(
        _ head: Head,
        fields: Fields,
        configuration: ProxyConfiguration,
        context: PolicyContext,
        isDraining: Bool
    ) -> Outcome {
        var host = ""
        if head.authorityCount > 1 { return Self.refusedAsBadRequest(host: host) }
        if let authority = head.authority {
            guard let normalised = authority.normalized else { return Self.refusedAsBadRequest(host: host) }
            host = normalised
        } else if head.requiresAuthority {
            // RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without Host.
            return Self.refusedAsBadRequest(host: host)
        }
        // Origin form only (RFC 9112 §3.2.1): absolute-form and `*` are not proxied.
        guard head.target.utf8.first == UInt8(ascii: "/") else { return Self.refusedAsBadRequest(host: host) }
        if isDraining {
            return Outcome(verdict: .refuse(Denial(reason: .shuttingDown)), host: host)
        }
        if let tokenEndpoint = configuration.tokenEndpoint, let local = Self.tokenOperation(head, endpoint: tokenEndpoint) {
            var outcome = Outcome(verdict: .local(maxBodyBytes: TokenEndpoint.maximumBodyBytes), host: host)
            outcome.tokenOperation = local.operation
            outcome.path = local.path
            return outcome
        }
        let request = PolicyRequest(
            method: head.method,
            target: head.target,
            host: host.isEmpty ? nil : host,
            fields: fields,
            hasBody: head.hasBody,
            isSecure: head.isSecure
        )
        // The policy is read through the configuration, not passed in: passed as a value it was
        // copied (retaining each of its tables) at every call that was not inlined.
        switch configuration.policy.decide(request, context: context) {
        case .deny(let denial):
            var outcome = Outcome(verdict: .refuse(denial), host: host)
            outcome.unknownKeyID = denial.unknownKeyID
            return outcome
        case .allow(let allowance):
            return Outcome(verdict: .allow(allowance), host: host)
        }
    }

    /// 400 `bad_request` for a head the HTTP rules refuse, with the host normalised so far.
    private static func refusedAsBadRequest(host: String) -> Outcome {
        Outcome(verdict: .refuse(Self.badRequest), host: host)
    }

    /// The answer to a head the HTTP rules refuse, made once: building a `Denial` (its message
    /// and challenge) costs about 500 instructions.
    private static let badRequest = Denial(reason: .badRequest)

    /// The token endpoint's operation for the head's normalised path, if it names one.
    private static func tokenOperation(_ head: Head, endpoint: TokenEndpoint) -> (operation: TokenEndpoint.Operation, path: String)? {
        guard case .success(let path) = PathNormalizer.normalize(head.target.targetPath), let operation = endpoint.operation(forPath: path) else {
            return nil
        }
        return (operation, path)
    }
}
