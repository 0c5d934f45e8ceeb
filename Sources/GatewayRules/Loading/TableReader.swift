/// Reads one table of a rules file: typed values by key, every problem reported with its key path.
///
/// TOMLKit's `Codable` decoding reports a wrong type as a missing key and ignores unknown keys, so
/// the loader walks the parsed tree (`TOMLNode`) itself and says what it found ("expected a
/// string, found an integer"). Getters return nil when a key is absent or wrong; a wrong value is
/// reported once, where it is read, and the load fails at the end.
struct TableReader {
    let table: TOMLNode.Table
    let path: KeyPath
    let context: DecodingContext

    /// The key path of `key` in this table.
    func path(_ key: String) -> KeyPath {
        self.path.appending(key)
    }

    /// Whether `key` is written, whatever its value.
    func has(_ key: String) -> Bool {
        self.table[key] != nil
    }

    /// The string at `key`, without reporting anything when it is absent or not a string.
    func peekString(_ key: String) -> String? {
        self.table[key]?.string
    }

    // MARK: Reporting

    /// Reports an error at `key` of this table (at the table itself when `key` is nil).
    func error(_ key: String?, anchor: SourceAnchor = .value, _ message: String) {
        self.context.report(.error, at: key.map(self.path) ?? self.path, anchor: anchor, message)
    }

    /// Reports a warning, which does not stop the load (an inline `secret`, …).
    func warning(_ key: String?, anchor: SourceAnchor = .value, _ message: String) {
        self.context.report(.warning, at: key.map(self.path) ?? self.path, anchor: anchor, message)
    }

    /// Reports every key not in `known`, with a "did you mean" hint for a near miss: a typo must
    /// never silently switch a check off (SPEC §2).
    func rejectUnknownKeys(_ known: [String]) {
        for key in self.table.keys where !known.contains(key) {
            self.error(key, anchor: .key, "unknown key" + Suggestion.hint(for: key, among: known))
        }
    }

    // MARK: Scalars

    /// The value at `key` when it is of `kind`; another kind is reported. Nil when absent.
    func value(_ key: String, _ kind: TOMLNode.Kind, expected: String? = nil) -> TOMLNode? {
        guard let value = self.table[key] else { return nil }
        guard value.kind == kind else {
            self.error(key, "expected \(expected ?? kind.phrase), found \(value.kind.phrase)")
            return nil
        }
        return value
    }

    /// A string; another type is reported.
    func string(_ key: String) -> String? {
        self.value(key, .string)?.string
    }

    /// A string that must not be empty.
    func nonEmptyString(_ key: String) -> String? {
        guard let text = self.string(key) else { return nil }
        guard !text.isEmpty else {
            self.error(key, "must not be empty")
            return nil
        }
        return text
    }

    /// A non-empty string that must be present.
    func requiredString(_ key: String) -> String? {
        guard self.has(key) else {
            self.error(key, "required key is missing")
            return nil
        }
        return self.nonEmptyString(key)
    }

    /// A boolean; another type is reported.
    func bool(_ key: String) -> Bool? {
        self.value(key, .boolean)?.boolean
    }

    /// An integer of at least `minimum`.
    func integer(_ key: String, atLeast minimum: Int) -> Int? {
        guard let number = self.value(key, .integer)?.integer else { return nil }
        guard number >= minimum else {
            self.error(key, "must be at least \(minimum), found \(number)")
            return nil
        }
        return number
    }

    /// One of `choices`, with a hint when the text is close to one.
    func choice(_ key: String, among choices: [String]) -> String? {
        guard let text = self.string(key) else { return nil }
        guard choices.contains(text) else {
            let list = choices.map { "\"\($0)\"" }.joined(separator: " or ")
            self.error(key, "unknown value \"\(text)\"; expected \(list)")
            return nil
        }
        return text
    }

    // MARK: Arrays and tables

    /// An array of strings; elements of another type are reported at `key[N]`.
    func strings(_ key: String) -> [String]? {
        guard let array = self.value(key, .array, expected: "an array of strings")?.array else { return nil }
        var result: [String] = []
        var valid = true
        for (offset, element) in array.enumerated() {
            guard let text = element.string else {
                let path = self.path(key).appending(index: offset + 1)
                self.context.report(.error, at: path, "expected a string, found \(element.kind.phrase)")
                valid = false
                continue
            }
            result.append(text)
        }
        return valid ? result : nil
    }

    /// A string or an array of strings (as `listen` takes), each with its own key path.
    func stringOrStrings(_ key: String) -> [(text: String, path: KeyPath)]? {
        guard let value = self.table[key] else { return nil }
        if let text = value.string { return [(text, self.path(key))] }
        guard let strings = self.strings(key) else { return nil }
        return strings.enumerated().map { ($1, self.path(key).appending(index: $0 + 1)) }
    }

    /// The table at `key`, written as `[a.key]` or as an inline table `key = { … }`.
    func table(_ key: String) -> TableReader? {
        guard let table = self.value(key, .table)?.table else { return nil }
        return TableReader(table: table, path: self.path(key), context: self.context)
    }

    /// The entries of the array of tables `[[key]]`, each named in its key path by its `name` or `id`.
    func entries(_ key: String) -> [TableReader] {
        guard let value = self.table[key] else { return [] }
        guard let array = value.array else {
            self.error(key, "expected an array of tables ([[\(key)]] entries), found \(value.kind.phrase)")
            return []
        }
        var readers: [TableReader] = []
        readers.reserveCapacity(array.count)
        let arrayPath = self.path(key)
        for (offset, element) in array.enumerated() {
            guard let table = element.table else {
                let path = arrayPath.appending(index: offset + 1)
                self.context.report(.error, at: path, "expected a table, found \(element.kind.phrase)")
                continue
            }
            let label = table["name"]?.string ?? table["id"]?.string
            let path = arrayPath.appending(index: offset + 1, label: label)
            readers.append(TableReader(table: table, path: path, context: self.context))
        }
        return readers
    }

    // MARK: Parsed values

    /// The string at `key` parsed by `parse`; a failure is reported as "invalid WHAT "TEXT": why"
    /// (without the text when `showingText` is false, for values that may hold a secret).
    func parsed<T>(
        _ key: String,
        as what: String,
        showingText: Bool = true,
        _ parse: (String) throws(ValueError) -> T
    ) -> T? {
        guard let text = self.value(key, .string, expected: "a \(what) string")?.string else { return nil }
        return self.parse(text, at: self.path(key), as: what, showingText: showingText, parse)
    }

    /// Each string of the array at `key` parsed by `parse`; nil if any is invalid.
    func parsedList<T>(_ key: String, as what: String, _ parse: (String) throws(ValueError) -> T) -> [T]? {
        guard let strings = self.strings(key) else { return nil }
        let parsed = strings.enumerated().map { offset, text in
            self.parse(text, at: self.path(key).appending(index: offset + 1), as: what, showingText: true, parse)
        }
        return parsed.contains { $0 == nil } ? nil : parsed.compactMap { $0 }
    }

    /// `text` (written at `path`) parsed by `parse`, reporting a failure as `parsed` does.
    func parse<T>(
        _ text: String,
        at path: KeyPath,
        as what: String,
        showingText: Bool = true,
        _ parse: (String) throws(ValueError) -> T
    ) -> T? {
        do {
            return try parse(text)
        } catch {
            let shown = showingText ? " \"\(text)\"" : ""
            self.context.report(.error, at: path, "invalid \(what)\(shown): \(error.message)")
            return nil
        }
    }

    /// A duration string (`"30s"`); zero only when `allowZero`.
    func duration(_ key: String, allowZero: Bool = false) -> Duration? {
        guard let value = self.table[key] else { return nil }
        if value.kind == .integer {
            self.error(key, "expected a duration string such as \"30s\", found an integer")
            return nil
        }
        guard
            let duration = self.parsed(
                key,
                as: "duration",
                { text throws(ValueError) in
                    try Duration(rulesText: text)
                }
            )
        else { return nil }
        guard allowZero || duration > .zero else {
            self.error(key, "must be longer than zero")
            return nil
        }
        return duration
    }

    /// A positive size: an integer number of bytes or a string such as `"16KiB"`.
    func size(_ key: String) -> Int? {
        guard let value = self.table[key] else { return nil }
        let size: Int?
        switch value {
        case .integer(let bytes): size = bytes
        case .string: size = self.parsed(key, as: "size", ByteSize.parse)
        default:
            self.error(
                key,
                "expected a size (bytes as an integer, or a string such as \"16KiB\"), found \(value.kind.phrase)"
            )
            return nil
        }
        guard let size else { return nil }
        guard size > 0 else {
            self.error(key, "must be greater than zero")
            return nil
        }
        return size
    }

    /// The resolved path of a file that must exist and be readable.
    func file(_ key: String) -> String? {
        guard let text = self.nonEmptyString(key) else { return nil }
        let resolved = self.context.files.resolve(text)
        if let problem = self.context.files.problemReading(resolved) {
            self.error(key, "cannot read \"\(resolved)\": \(problem)")
            return nil
        }
        return resolved
    }

    /// The one key of `keys` that is present; reports none (`missing`) and more than one.
    func exactlyOne(of keys: [String], missing: String) -> String? {
        let present = keys.filter(self.has)
        guard let first = present.first else {
            self.error(nil, missing)
            return nil
        }
        for extra in present.dropFirst() {
            self.error(extra, anchor: .key, "conflicts with \"\(first)\"; give only one of \(Self.list(keys))")
        }
        return present.count == 1 ? first : nil
    }

    /// `a, b or c`.
    static func list(_ words: [String]) -> String {
        guard words.count > 1 else { return words.first ?? "" }
        return words.dropLast().joined(separator: ", ") + " or " + words[words.count - 1]
    }
}
