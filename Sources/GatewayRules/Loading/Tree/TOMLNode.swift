/// A parsed TOML value as the loader walks it.
///
/// The rules file is parsed by TOMLKit and converted to this tree once; `api_keys_file` is read
/// straight into it by `FastAPIKeysParser` when it keeps to the plain layout such files have (100,000
/// entries parse in a fraction of what TOMLKit takes), and by TOMLKit otherwise. Decoding then
/// works the same for both.
enum TOMLNode {
    case string(String)
    case integer(Int)
    case float(Double)
    case boolean(Bool)
    /// An offset date-time (`1979-05-27T07:32:00Z`): the instant, in seconds since 1970.
    case offsetDateTime(secondsSince1970: Int64)
    /// A local date-time, date or time: no instant, only its kind matters to the loader.
    case local(Kind)
    case array([TOMLNode])
    case table(Table)

    /// The TOML types, for "expected a string, found an integer".
    enum Kind: Equatable {
        case string, integer, float, boolean, offsetDateTime, localDateTime, localDate, localTime, array, table

        /// The type with an article.
        var phrase: String {
            switch self {
            case .string: return "a string"
            case .integer: return "an integer"
            case .float: return "a floating-point number"
            case .boolean: return "a boolean"
            case .offsetDateTime: return "a date-time"
            case .localDateTime: return "a local date-time"
            case .localDate: return "a date"
            case .localTime: return "a time"
            case .array: return "an array"
            case .table: return "a table"
            }
        }
    }

    /// A table's keys and values, in the order the parser gave them.
    struct Table {
        private var entries: [(key: String, value: TOMLNode)] = []

        init(capacity: Int = 0) {
            self.entries.reserveCapacity(capacity)
        }

        var keys: LazyMapSequence<[(key: String, value: TOMLNode)], String> { self.entries.lazy.map(\.key) }

        /// Linear: tables of a rules file hold a dozen keys at most.
        subscript(key: String) -> TOMLNode? {
            self.entries.first { $0.key == key }?.value
        }

        /// Adds `value` under `key`; false (and nothing added) when `key` is already there.
        mutating func insert(_ value: TOMLNode, at key: String) -> Bool {
            guard self[key] == nil else { return false }
            self.entries.append((key, value))
            return true
        }
    }

    var kind: Kind {
        switch self {
        case .string: return .string
        case .integer: return .integer
        case .float: return .float
        case .boolean: return .boolean
        case .offsetDateTime: return .offsetDateTime
        case .local(let kind): return kind
        case .array: return .array
        case .table: return .table
        }
    }

    var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    var integer: Int? {
        if case .integer(let number) = self { return number }
        return nil
    }

    var boolean: Bool? {
        if case .boolean(let value) = self { return value }
        return nil
    }

    var array: [TOMLNode]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    var table: Table? {
        if case .table(let table) = self { return table }
        return nil
    }
}
