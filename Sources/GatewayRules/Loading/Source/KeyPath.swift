/// Where a value sits in the rules file, as diagnostics print it.
///
/// Keys are joined by dots; array entries are numbered from 1 and, for arrays of tables, followed by
/// the entry's `name` or `id` in parentheses: `server.listen[2]`, `routes[3](orders-read).upstream`.
/// Keys that are not bare TOML keys are quoted, as TOML would write them.
struct KeyPath: Sendable, Hashable, CustomStringConvertible {
    enum Component: Sendable, Hashable {
        case key(String)
        /// 1-based index into an array; `label` is the entry's name or id.
        case entry(index: Int, label: String?)
    }

    var components: [Component]

    static let root = KeyPath(components: [])

    /// This path followed by `key`.
    func appending(_ key: String) -> KeyPath {
        self.appending(.key(key))
    }

    /// This path followed by the `index`th entry (from 1) of the array it names.
    func appending(index: Int, label: String? = nil) -> KeyPath {
        self.appending(.entry(index: index, label: label))
    }

    /// One allocation per call: this runs for each of 100,000 `api_keys_file` entries.
    private func appending(_ component: Component) -> KeyPath {
        var components: [Component] = []
        components.reserveCapacity(self.components.count + 1)
        components.append(contentsOf: self.components)
        components.append(component)
        return KeyPath(components: components)
    }

    /// The path one step up (the table or array holding this value); nil at the root.
    var parent: KeyPath? {
        self.components.isEmpty ? nil : KeyPath(components: Array(self.components.dropLast()))
    }

    var description: String { self.render(labels: true) }

    /// The path without labels: how `SourceIndex` names what it finds in the text.
    var lookupKey: String { self.render(labels: false) }

    private func render(labels: Bool) -> String {
        var text = ""
        for component in self.components {
            switch component {
            case .key(let key):
                if !text.isEmpty { text += "." }
                text += Self.quotedIfNeeded(key)
            case .entry(let index, let label):
                text += "[\(index)]"
                if labels, let label { text += "(\(label))" }
            }
        }
        return text
    }

    /// `key` as TOML writes it: bare when it only has letters, digits, `_` and `-`, else quoted.
    static func quotedIfNeeded(_ key: String) -> String {
        let bare =
            !key.isEmpty
            && key.utf8.allSatisfy {
                ASCII.isLetter($0) || ASCII.isDigit($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
            }
        if bare { return key }
        var quoted = "\""
        for character in key {
            if character == "\"" || character == "\\" { quoted.append("\\") }
            quoted.append(character)
        }
        return quoted + "\""
    }
}

extension KeyPath {
    /// Parses the printed form back; nil when `text` is not a key path.
    init?(parsing text: String) {
        var parser = KeyPathParser(characters: Array(text))
        guard let components = parser.parse() else { return nil }
        self.init(components: components)
    }
}

/// Reads a printed key path: `a.b[2](label)."quoted key"`.
private struct KeyPathParser {
    let characters: [Character]
    var index = 0

    mutating func parse() -> [KeyPath.Component]? {
        var components: [KeyPath.Component] = []
        while self.index < self.characters.count {
            switch self.characters[self.index] {
            case ".":
                guard !components.isEmpty else { return nil }
                self.index += 1
            case "[":
                guard let entry = self.entry() else { return nil }
                components.append(entry)
            default:
                guard let key = self.key() else { return nil }
                components.append(.key(key))
            }
        }
        return components
    }

    /// `[N]` with an optional `(label)`; the label ends at a `)` followed by `.`, `[` or the end.
    private mutating func entry() -> KeyPath.Component? {
        self.index += 1
        var digits = ""
        while self.index < self.characters.count, self.characters[self.index].isASCII,
            self.characters[self.index].isNumber
        {
            digits.append(self.characters[self.index])
            self.index += 1
        }
        guard self.index < self.characters.count, self.characters[self.index] == "]", let number = Int(digits) else {
            return nil
        }
        self.index += 1
        guard self.index < self.characters.count, self.characters[self.index] == "(" else {
            return .entry(index: number, label: nil)
        }
        let start = self.index + 1
        var end = start
        while end < self.characters.count {
            let next = end + 1 < self.characters.count ? self.characters[end + 1] : "."
            if self.characters[end] == ")", next == "." || next == "[" { break }
            end += 1
        }
        guard end < self.characters.count else { return nil }
        self.index = end + 1
        return .entry(index: number, label: String(self.characters[start..<end]))
    }

    /// A bare key up to the next `.` or `[`, or a quoted key.
    private mutating func key() -> String? {
        if self.characters[self.index] == "\"" { return self.quotedKey() }
        var key = ""
        while self.index < self.characters.count, self.characters[self.index] != ".",
            self.characters[self.index] != "["
        {
            key.append(self.characters[self.index])
            self.index += 1
        }
        return key
    }

    private mutating func quotedKey() -> String? {
        self.index += 1
        var key = ""
        while self.index < self.characters.count {
            let character = self.characters[self.index]
            self.index += 1
            switch character {
            case "\"": return key
            case "\\":
                guard self.index < self.characters.count else { return nil }
                key.append(self.characters[self.index])
                self.index += 1
            default: key.append(character)
            }
        }
        return nil
    }
}
