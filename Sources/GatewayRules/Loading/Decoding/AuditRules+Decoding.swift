extension AuditRules {
    /// Every key this table may hold (SPEC §2, §8); any other is an error.
    static let knownKeys = ["sink", "hash_chain"]

    /// `[audit]`: `sink` is "stdout" or a file path (resolved; its folder must exist).
    init(decoding reader: TableReader) {
        reader.rejectUnknownKeys(Self.knownKeys)
        self.init(sink: Self.sink(reader) ?? .stdout, hashChain: reader.bool("hash_chain") ?? true)
    }

    private static func sink(_ reader: TableReader) -> Sink? {
        guard let text = reader.nonEmptyString("sink") else { return nil }
        if text == "stdout" { return .stdout }
        let resolved = reader.context.files.resolve(text)
        if let problem = reader.context.files.problemCreating(resolved) {
            reader.error("sink", "cannot write \"\(resolved)\": \(problem)")
            return nil
        }
        return .file(resolved)
    }
}
