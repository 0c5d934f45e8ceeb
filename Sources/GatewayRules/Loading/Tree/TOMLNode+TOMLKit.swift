import TOMLKit

extension TOMLNode {
    /// Parses `text` with TOMLKit and converts the result; syntax errors become `FILE:LINE:COL`
    /// diagnostics (TOMLKit reports a position for those only).
    static func parse(_ text: String, file: String) -> Result<Table, RulesError> {
        do {
            return .success(Self.convert(try TOMLTable(string: text)))
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

    private static func convert(_ table: TOMLTable) -> Table {
        var result = Table()
        for key in table.keys {
            if let value = table[key] { _ = result.insert(Self.convert(value), at: key) }
        }
        return result
    }

    private static func convert(_ value: any TOMLValueConvertible) -> TOMLNode {
        switch value.type {
        case .string: return .string(value.string ?? "")
        case .int: return .integer(value.int ?? 0)
        case .double: return .float(value.double ?? 0)
        case .bool: return .boolean(value.bool ?? false)
        case .date: return .local(.localDate)
        case .time: return .local(.localTime)
        case .dateTime: return value.dateTime.map(Self.convert) ?? .local(.localDateTime)
        case .array: return .array(value.array.map { $0.map(Self.convert) } ?? [])
        case .table: return .table(value.table.map(Self.convert) ?? Table())
        }
    }

    /// An offset date-time as its instant; without an offset, a local date-time.
    private static func convert(_ dateTime: TOMLDateTime) -> TOMLNode {
        guard let offset = dateTime.offset else { return .local(.localDateTime) }
        let days = RFC3339.daysSince1970(year: dateTime.date.year, month: dateTime.date.month, day: dateTime.date.day)
        let time = dateTime.time.hour * 3600 + dateTime.time.minute * 60 + dateTime.time.second
        return .offsetDateTime(secondsSince1970: Int64(days) * 86_400 + Int64(time) - Int64(offset.offset) * 60)
    }
}
