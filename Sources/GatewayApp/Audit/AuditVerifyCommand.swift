import GatewayAudit

/// `gateway audit verify FILE...` (SPEC §1, §9 "Audit chain across files").
public enum AuditVerifyCommand {
    /// The lines to print and the exit status: `ok: N records` and 0, or the first broken
    /// record's file and line and 1.
    public static func run(paths: [String]) -> (lines: [String], status: Int32) {
        do {
            let result = try AuditChainVerifier().verify(paths: paths)
            return (result.description.split(separator: "\n", omittingEmptySubsequences: false).map(String.init), result.isValid ? 0 : 1)
        } catch {
            return (["error: \(error)"], 1)
        }
    }
}
