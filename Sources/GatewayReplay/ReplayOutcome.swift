/// What the replay store did with one claimed nonce (SPEC §9 step 9).
public enum ReplayOutcome: Sendable, Hashable {
    /// Not seen within its window: recorded now. The request may proceed.
    case fresh
    /// Already recorded and still inside its window: 401 `replayed_nonce`. Reported even when the
    /// store is full — the nonce is found before anything would be stored (SPEC §9).
    case replayed
    /// Not seen, but the store holds `capacity` live entries and forgets none of them:
    /// 503 `replay_store_full`.
    case full
    /// The store could not be asked (a networked store that is down): 503
    /// `replay_store_unavailable`. Nothing is allowed on a guess.
    case unavailable

    /// The SPEC §3 reason code of a refusal; nil for `.fresh`.
    public var reasonCode: String? {
        switch self {
        case .fresh: return nil
        case .replayed: return "replayed_nonce"
        case .full: return "replay_store_full"
        case .unavailable: return "replay_store_unavailable"
        }
    }

    /// The HTTP status SPEC §3 gives the outcome: 200 (proceed), 401 or 503.
    public var httpStatus: Int {
        switch self {
        case .fresh: return 200
        case .replayed: return 401
        case .full, .unavailable: return 503
        }
    }
}
