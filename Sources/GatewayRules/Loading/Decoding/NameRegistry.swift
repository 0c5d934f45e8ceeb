/// Finds duplicate names (route names, upstream names, key ids) in one pass: a dictionary, not a
/// pairwise comparison, so 100,000 API keys are checked in linear time.
struct NameRegistry<Name: Hashable> {
    /// What is being named, for messages: "route name", "key id".
    let what: String
    private var firstUse: [Name: (path: KeyPath, file: String)] = [:]

    init(what: String) {
        self.what = what
    }

    /// Records `name` as used by the entry at `entry`; nil if new, else where it was first used.
    mutating func claim(_ name: Name, by entry: KeyPath, in file: String) -> (path: KeyPath, file: String)? {
        if let first = self.firstUse[name] { return first }
        self.firstUse[name] = (entry, file)
        return nil
    }

    /// Records `name` and reports a duplicate at `key` of `reader`'s table.
    mutating func claim(_ name: Name, shown: String, key: String, of reader: TableReader) {
        guard let first = self.claim(name, by: reader.path, in: reader.context.source.path) else { return }
        let place = first.file == reader.context.source.path ? "" : " in \(first.file)"
        reader.error(key, "duplicate \(self.what) \(shown); first used by \(first.path)\(place)")
    }

    func contains(_ name: Name) -> Bool {
        self.firstUse[name] != nil
    }

    var names: Dictionary<Name, (path: KeyPath, file: String)>.Keys {
        self.firstUse.keys
    }
}
