/// `api_keys_file`: another TOML file holding only `[[api_keys]]` entries, for large consumer sets.
///
/// Its entries are read with a context of their own, so their problems are located in that file.
enum APIKeysFile {
    static let key = "api_keys_file"

    /// The `[[api_keys]]` entries of the file `root` names, or none when it has problems (reported).
    static func entries(named root: TableReader) -> [TableReader] {
        guard root.has(Self.key), let path = root.file(Self.key) else { return [] }
        let bytes: [UInt8]
        switch root.context.files.read(path) {
        case .failure(let problem):
            root.error(Self.key, "cannot read \"\(path)\": \(problem.reason)")
            return []
        case .success(let read):
            bytes = read
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            root.error(Self.key, "\"\(path)\" is not UTF-8 text")
            return []
        }
        guard let table = Self.parse(text, path: path, log: root.context.log) else { return [] }
        let context = root.context.reading(RulesSource(path: path, text: text))
        let fileRoot = TableReader(table: table, path: .root, context: context)
        fileRoot.rejectUnknownKeys(["api_keys"])
        return fileRoot.entries("api_keys")
    }

    /// The fast parser's tree, or TOMLKit's when the text leaves its subset; nil on a syntax error.
    private static func parse(_ text: String, path: String, log: DiagnosticLog) -> TOMLNode.Table? {
        if let table = FastAPIKeysParser.parse(text) { return table }
        switch TOMLNode.parse(text, file: path) {
        case .failure(let error):
            error.diagnostics.forEach(log.add)
            return nil
        case .success(let table):
            return table
        }
    }
}
