import TOMLKit

/// Parses TOML text with TOMLKit, turning its syntax errors into `FILE:LINE:COL` diagnostics.
enum TOMLDocument {
    static func parse(_ text: String, file: String) -> Result<TOMLTable, RulesError> {
        do {
            return .success(try TOMLTable(string: text))
        } catch let error as TOMLParseError {
            let diagnostic = Diagnostic(
                file: file,
                line: error.source.begin.line,
                column: error.source.begin.column,
                message: "TOML syntax: \(Self.message(error.description))"
            )
            return .failure(RulesError(diagnostics: [diagnostic]))
        } catch {
            return .failure(RulesError(diagnostics: [Diagnostic(file: file, message: "TOML syntax: \(error)")]))
        }
    }

    /// toml++ messages begin "Error while parsing …"; after "error:" that would say error twice.
    private static func message(_ description: String) -> String {
        let prefix = "Error while "
        return description.hasPrefix(prefix) ? String(description.dropFirst(prefix.count)) : description
    }
}
