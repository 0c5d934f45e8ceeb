import GatewayCredentials
import GatewayRules

/// Checks 2–7 of SPEC §9 for an RFC 9421 signed request: the fields parse, the key is found
/// by `keyid`, the signature verifies over the request as received (before normalisation),
/// and `created` / `expires` are within the window. The nonce is judged at check 9.
struct SignatureCheck: Sendable {
    let verifier: HTTPSignatureVerifier
    let window: Int64

    func check<Fields: RequestFields>(_ request: PolicyRequest<Fields>, context: PolicyContext) -> (CredentialOutcome, ContentDigest?) {
        let signed = SignedRequest(
            method: request.method,
            scheme: request.isSecure ? "https" : "http",
            authority: request.fields.firstString("host") ?? request.host ?? "",
            target: request.target,
            fields: request.fields.allFields,
            hasBody: request.hasBody
        )
        let verified: VerifiedSignature
        do {
            verified = try self.verifier.verify(request: signed, now: context.now, window: self.window, requireNonce: false)
        } catch {
            return (.failed(DenyReason(rawValue: error.reasonCode) ?? .malformedCredential, detail: error.detail), nil)
        }
        let identity = Identity(
            kind: CredentialKind.signature.rawValue,
            id: verified.keyID,
            subject: verified.subject,
            scopes: verified.scopes
        )
        let evidence = ReplayEvidence(scopePrefix: "", scopeID: verified.replayScope, value: verified.nonce, timestamp: verified.created)
        // The body is checked against the digest the signature covers (RFC 9530) before anything
        // is forwarded; a request without a body has nothing to check.
        let digest = verified.coversContentDigest && request.hasBody ? verified.contentDigest : nil
        return (.passed(identity, replay: evidence), digest)
    }
}
