import GatewayCredentials
import GatewayRules

/// SPEC §10 for a JWT that passed checks 2–7: whether it needs a DPoP proof, and the proof's
/// checks (RFC 9449 §4.3, §7.1), each recorded in the trace.
///
/// - A token with `cnf.jkt` presented under `Bearer` is `dpop_required` on any route: a bound
///   token never passes as a bearer token.
/// - On a `dpop = "required"` route, a token without `cnf.jkt`, or under `Bearer`, is
///   `dpop_required`.
/// - Under the `DPoP` scheme the one `DPoP` field is verified (`DPoPProofVerifier`); every
///   failure is `invalid_dpop_proof`, including a token without `cnf.jkt` on an optional route
///   (there is no key to bind the proof to).
/// - An unbound token under `Bearer` on an optional route needs no proof; a `DPoP` field sent
///   with it is ignored.
struct DPoPCheck: Sendable {
    let verifier: DPoPProofVerifier

    enum Outcome {
        /// No proof was needed or looked at.
        case notUsed
        case verified(VerifiedDPoPProof)
        case failed(DenyReason, detail: String)
    }

    var algorithms: [JWTAlgorithm] { self.verifier.algorithms }

    func check<Fields: RequestFields>(
        _ token: VerifiedToken,
        presented: PresentedCredentials,
        request: PolicyRequest<Fields>,
        route: CompiledRoute,
        now: Int64,
        trace: inout PolicyTrace
    ) -> Outcome {
        let bound = token.claims.jkt
        switch presented.tokenScheme {
        case .bearer:
            if bound != nil {
                return Self.fail(.dpopRequired, "the token is DPoP-bound (cnf.jkt) but was presented as a bearer token", &trace)
            }
            if route.rule.dpop == .required {
                return Self.fail(.dpopRequired, "the route requires a DPoP-bound token (dpop = \"required\")", &trace)
            }
            trace.record("dpop", passed: true, detail: "not used: a bearer token that is not DPoP-bound")
            return .notUsed
        case .dpop:
            if bound == nil, route.rule.dpop == .required {
                return Self.fail(.dpopRequired, "the token is not DPoP-bound (no cnf.jkt)", &trace)
            }
        }
        let proof: Substring
        switch presented.proof {
        case .missing: return Self.fail(.invalidDpopProof, "the DPoP scheme without a DPoP field", &trace)
        case .malformed(let problem): return Self.fail(.invalidDpopProof, problem, &trace)
        case .one(let value): proof = value
        }
        trace.record("dpop", passed: true, detail: "DPoP scheme with one DPoP proof")
        let dpopRequest = DPoPRequest(
            method: request.method,
            scheme: request.isSecure ? "https" : "http",
            authority: request.fields.firstString("host") ?? request.host ?? "",
            target: request.target
        )
        do {
            let verified = try self.verifier.verify(
                proof,
                request: dpopRequest,
                accessToken: presented.accessToken ?? "",
                boundThumbprint: bound,
                now: now
            )
            if trace.isEnabled {
                for check in DPoPProofCheck.allInOrder {
                    trace.record("dpop \(check)", passed: true, detail: self.passed(check, verified, dpopRequest, now: now))
                }
            }
            return .verified(verified)
        } catch {
            if trace.isEnabled {
                for check in DPoPProofCheck.allInOrder.prefix(while: { $0 != error.check }) {
                    trace.record("dpop \(check)", passed: true, detail: "passed")
                }
                trace.record("dpop \(error.check)", passed: false, detail: error.detail)
            }
            return .failed(.invalidDpopProof, detail: "\(error.check): \(error.detail)")
        }
    }

    private static func fail(_ reason: DenyReason, _ detail: String, _ trace: inout PolicyTrace) -> Outcome {
        trace.record("dpop", passed: false, detail: "\(reason.rawValue): \(detail)")
        return .failed(reason, detail: detail)
    }

    /// What `gateway explain` says of a check the proof passed.
    private func passed(_ check: DPoPProofCheck, _ proof: VerifiedDPoPProof, _ request: DPoPRequest, now: Int64) -> String {
        switch check {
        case .form: return "a JWS with a well-formed JOSE header"
        case .type: return "dpop+jwt"
        case .algorithm: return "\(proof.algorithm.rawValue), one of \(self.algorithms.map(\.rawValue).joined(separator: " "))"
        case .key: return "a public key, thumbprint \(proof.jkt)"
        case .signature: return "verifies with the proof's jwk"
        case .claims: return "jti, htm, htu and iat present"
        case .method: return "is \(request.method)"
        case .uri: return "matches \(request.targetURI ?? "")"
        case .time: return "\(now - proof.iat)s before now, within \(self.verifier.window)s"
        case .tokenHash: return "matches the access token"
        case .binding: return "the token's cnf.jkt"
        default: return "passed"
        }
    }
}
