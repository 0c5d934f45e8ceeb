/// Finds duplicate names (route names, upstream names, key ids, API key hashes) in one pass: a
/// dictionary, not a pairwise comparison, so 100,000 API keys are checked in linear time.
///
/// `Place` says where a name was first used; callers with many entries keep it small and plain
/// (an index), so the registry holds nothing to retain or release per entry.
struct NameRegistry<Name: Hashable, Place> {
    private var firstUse: [Name: Place] = [:]

    /// Makes room for `count` names, so a large file does not grow the dictionary step by step.
    mutating func reserveCapacity(_ count: Int) {
        self.firstUse.reserveCapacity(count)
    }

    /// Records `name` as used at `place`; nil if new, else where it was first used.
    mutating func claim(_ name: Name, at place: @autoclosure () -> Place) -> Place? {
        if let first = self.firstUse[name] { return first }
        self.firstUse[name] = place()
        return nil
    }

    var names: Dictionary<Name, Place>.Keys {
        self.firstUse.keys
    }
}

extension NameRegistry where Place == KeyPath {
    /// Records the name at `key` of `reader`'s entry and reports a duplicate there, naming the
    /// entry that used it first (`what` is "route name", "key id", …).
    mutating func claim(
        _ name: Name,
        shown: @autoclosure () -> String,
        what: String,
        key: String,
        of reader: TableReader
    ) {
        guard let first = self.claim(name, at: reader.path) else { return }
        reader.error(key, "duplicate \(what) \(shown()); first used by \(first)")
    }
}
