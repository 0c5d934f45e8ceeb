/// "Did you mean …?" hints for misspelt keys and names.
enum Suggestion {
    /// The candidate closest to `word` within edit distance 2 (1 for words of up to 3 letters, so
    /// `ab` does not suggest `id`), the first of equals; nil if none is that close.
    static func closest(to word: String, among candidates: some Sequence<String>) -> String? {
        let limit = word.utf8.count <= 3 ? 1 : 2
        var best: (candidate: String, distance: Int)?
        for candidate in candidates where candidate != word {
            let distance = self.distance(Array(word.utf8), Array(candidate.utf8))
            if distance <= limit, distance < (best?.distance ?? .max) {
                best = (candidate, distance)
            }
        }
        return best?.candidate
    }

    /// `; did you mean "x"?` or the empty string.
    static func hint(for word: String, among candidates: some Sequence<String>) -> String {
        self.closest(to: word, among: candidates).map { "; did you mean \"\($0)\"?" } ?? ""
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
    /// neighbours (`lsiten` → `listen`) each cost 1.
    static func distance(_ left: [UInt8], _ right: [UInt8]) -> Int {
        if left.isEmpty || right.isEmpty { return max(left.count, right.count) }
        var previousRow = [Int](0...right.count)
        var row = previousRow
        var rowBeforePrevious = previousRow
        for i in 1...left.count {
            row[0] = i
            for j in 1...right.count {
                let cost = left[i - 1] == right[j - 1] ? 0 : 1
                row[j] = min(previousRow[j] + 1, row[j - 1] + 1, previousRow[j - 1] + cost)
                if i > 1, j > 1, left[i - 1] == right[j - 2], left[i - 2] == right[j - 1] {
                    row[j] = min(row[j], rowBeforePrevious[j - 2] + 1)
                }
            }
            rowBeforePrevious = previousRow
            previousRow = row
        }
        return row[right.count]
    }
}
