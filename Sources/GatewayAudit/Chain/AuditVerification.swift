/// The outcome of verifying audit files as one hash chain (SPEC §5, §9 "Audit chain across
/// files").
public struct AuditVerification: Sendable, Hashable, CustomStringConvertible {
    /// How the first record of the first file links backwards.
    public enum Start: Sendable, Hashable {
        /// No record was read before the chain stopped (empty files, or a break on the first line).
        case none
        /// The first record's `prev` is 64 zeros: the files hold the start of a chain.
        case newChain
        /// The first record's `prev` is the last hash of an earlier file, not given here.
        case continuation(of: AuditHash)
    }

    /// Records that verified (before the break, if there is one).
    public let recordCount: Int
    public let start: Start
    /// The `hash` of the last record that verified: where a later file must continue.
    public let lastHash: AuditHash?
    /// The first record that breaks the chain, or `nil` when every record verified.
    public let chainBreak: AuditChainBreak?

    public init(recordCount: Int, start: Start, lastHash: AuditHash?, chainBreak: AuditChainBreak?) {
        self.recordCount = recordCount
        self.start = start
        self.lastHash = lastHash
        self.chainBreak = chainBreak
    }

    /// Every record verified.
    public var isValid: Bool { self.chainBreak == nil }

    /// `ok: N records` and how the chain starts, or the first broken record as
    /// `FILE:LINE: REASON: DETAIL`: what `gateway audit verify` prints.
    public var description: String {
        guard let chainBreak else {
            let noun = self.recordCount == 1 ? "record" : "records"
            switch self.start {
            case .none:
                return "ok: 0 records"
            case .newChain:
                return "ok: \(self.recordCount) \(noun)\nchain starts at its beginning (first prev is 64 zeros)"
            case .continuation(let hash):
                return "ok: \(self.recordCount) \(noun)\nchain continues an earlier file whose last hash is \(hash)"
            }
        }
        return "\(chainBreak)\n(\(self.recordCount) records verified before it)"
    }
}
