import GatewayPolicy

/// The audit record's `decision` (SPEC §9 "Audit fields"): the policy's verdict, kept even
/// when the upstream then failed.
enum ExchangeVerdict: Sendable, Equatable {
    case allow
    case deny

    var auditValue: String {
        switch self {
        case .allow: return "allow"
        case .deny: return "deny"
        }
    }
}

/// The audit record's `reason`: `ok` exactly when the response came from the upstream (or a
/// local endpoint answered successfully), else a reason code.
enum ExchangeReason: Sendable, Equatable {
    case ok
    case refused(DenyReason)
    /// SPEC §9 "Abandoned requests": the client went away before the response began (nginx's
    /// 499).
    case clientClosed

    var auditValue: String {
        switch self {
        case .ok: return "ok"
        case .refused(let reason): return reason.rawValue
        case .clientClosed: return "client_closed"
        }
    }
}
