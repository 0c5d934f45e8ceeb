import GatewayCredentials
import GatewayRules

/// Checks 2–5 of SPEC §9 for an `X-API-Key`: looked up by SHA-256, then disabled or expired.
struct APIKeyCheck: Sendable {
    let table: APIKeyTable

    func check(_ key: String, now: Int64) -> CredentialOutcome {
        switch self.table.lookup(presentedKey: key, now: now) {
        case .success(let match):
            let identity = Identity(kind: CredentialKind.apiKey.rawValue, id: match.id, subject: match.subject, scopes: match.scopes)
            // An API key is never replay-protected (SPEC §4): it offers no evidence.
            return .passed(identity, replay: nil)
        case .failure(let failure):
            return .failed(DenyReason(rawValue: failure.reasonCode) ?? .unknownKey, detail: "api key: \(failure.reasonCode)")
        }
    }
}
