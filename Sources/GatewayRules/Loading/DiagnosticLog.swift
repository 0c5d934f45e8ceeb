/// Collects the diagnostics of one load, from the rules file and from `api_keys_file`.
///
/// A class because every `TableReader` of a load reports into the same log; it lives only for
/// the duration of one synchronous `RulesLoader.load` call and never crosses threads.
final class DiagnosticLog {
    private(set) var diagnostics: [Diagnostic] = []
    /// Files in the order they were first reported about; the rules file comes first.
    private var fileRanks: [String: Int]

    init(rulesFile: String) {
        self.fileRanks = [rulesFile: 0]
    }

    /// Records `diagnostic`; its file joins the sort order when first seen.
    func add(_ diagnostic: Diagnostic) {
        if self.fileRanks[diagnostic.file] == nil {
            self.fileRanks[diagnostic.file] = self.fileRanks.count
        }
        self.diagnostics.append(diagnostic)
    }

    var hasErrors: Bool {
        self.diagnostics.contains { $0.severity == .error }
    }

    /// Every diagnostic, by file (the rules file first), then line and column; unlocated ones last
    /// within their file, in the order found.
    func sorted() -> [Diagnostic] {
        self.diagnostics.enumerated().sorted { left, right in
            self.sortKey(left.element, left.offset).lexicographicallyPrecedes(self.sortKey(right.element, right.offset))
        }.map(\.element)
    }

    private func sortKey(_ diagnostic: Diagnostic, _ order: Int) -> [Int] {
        [self.fileRanks[diagnostic.file] ?? 0, diagnostic.line ?? .max, diagnostic.column ?? 0, order]
    }
}
