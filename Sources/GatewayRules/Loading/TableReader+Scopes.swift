extension TableReader {
    /// Scopes (an array of strings): each a non-empty RFC 6749 §3.3 scope token, without spaces,
    /// `"` or `\`. Absent means none.
    func scopes(_ key: String) -> [String]? {
        guard let scopes = self.strings(key) else { return self.has(key) ? nil : [] }
        var valid = true
        for (offset, scope) in scopes.enumerated() where !Self.isScopeToken(scope) {
            let path = self.path(key).appending(index: offset + 1)
            self.context.report(.error, at: path, "invalid scope \"\(scope)\": one word without spaces, '\"' or '\\'")
            valid = false
        }
        return valid ? scopes : nil
    }

    private static func isScopeToken(_ scope: String) -> Bool {
        !scope.isEmpty
            && scope.utf8.allSatisfy { $0 == 0x21 || (0x23...0x5B).contains($0) || (0x5D...0x7E).contains($0) }
    }
}
