import GatewayCredentials
import GatewayRules
import NIOHTTP1

/// Checks 2–7 of SPEC §9 for an RFC 9421 signed request: the fields parse, the key is found
/// by `keyid`, the signature verifies over the request as received (before normalisation),
/// and `created` / `expires` are within the window. The nonce is judged at check 9.
struct SignatureCheck: Sendable {
    let verifier: HTTPSignatureVerifier
    let window: Int64

    func check(_ request: PolicyRequest, context: PolicyContext) -> (CredentialOutcome, ContentDigest?) {
        let signed = SignedRequest(
            method: request.method.rawValue,
            scheme: request.isSecure ? "https" : "http",
            authority: request.headers.first(name: "host") ?? request.host ?? "",
            target: request.target,
            fields: request.headers.map { (name: $0.name, value: $0.value) },
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
        let evidence = ReplayEvidence(scope: verified.replayScope, value: verified.nonce, timestamp: verified.created)
        // The body is checked against the digest the signature covers (RFC 9530) before anything
        // is forwarded; a request without a body has nothing to check.
        let digest = verified.coversContentDigest && request.hasBody ? verified.contentDigest : nil
        return (.passed(identity, replay: evidence), digest)
    }
}
