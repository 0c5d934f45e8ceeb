/// Why a DPoP proof was refused: always SPEC §10's 401 `invalid_dpop_proof`, with the check that
/// failed (for `gateway explain` and operational logs) and what exactly was wrong.
///
/// `detail` never holds the proof, the access token, a key or a claim value the client chose
/// beyond what an operator needs (methods, URIs and times are shown; `jti` and keys are not).
/// Two errors are equal when their check is, whatever their detail.
public struct DPoPProofError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The check that failed.
    public let check: DPoPProofCheck
    /// What was wrong, for logs and `gateway explain`.
    public let detail: String

    init(_ check: DPoPProofCheck, _ detail: String) {
        self.check = check
        self.detail = detail
    }

    /// The SPEC §3 reason code of every proof failure.
    public var reasonCode: String { "invalid_dpop_proof" }

    public var description: String { "\(self.reasonCode) (\(self.check)): \(self.detail)" }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.check == rhs.check }
    public func hash(into hasher: inout Hasher) { hasher.combine(self.check) }
}
