/// Value syntaxes of the rules file, for other modules and the command line (`--ttl 15m`).
public enum RulesText {
    /// A duration as the rules file writes it (`"250ms"`, `"30s"`, `"5m"`, `"1h"`, `"1m30s"`), or
    /// the reason it is not one.
    public static func duration(_ text: String) -> Result<Duration, any Error> {
        do {
            return .success(try Duration(rulesText: text))
        } catch {
            return .failure(error)
        }
    }
}
