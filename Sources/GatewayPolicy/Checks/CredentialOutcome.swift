/// The result of checks 2–7 (SPEC §9) for one presented credential.
enum CredentialOutcome {
    case passed(Identity, replay: ReplayEvidence?)
    case failed(DenyReason, detail: String, unknownKeyID: String? = nil)
}

/// What a passed credential offers for the replay check (SPEC §4): the key scope its nonce or
/// `jti` is remembered under, the value, and the timestamp it was made at.
///
/// The scope is kept in two parts and joined only when a replay-protected route asks for it
/// (`scope`): every authenticated request makes evidence, few routes use it.
struct ReplayEvidence {
    /// `jwt:`, or empty when `scopeID` is the whole scope (a signature key's).
    var scopePrefix: String
    var scopeID: String
    /// The nonce or `jti`; nil when the credential has none.
    var value: String?
    /// `created` or `iat`; nil when absent.
    var timestamp: Int64?

    /// The key scope the nonce or `jti` is remembered under.
    var scope: String { self.scopePrefix + self.scopeID }
}
