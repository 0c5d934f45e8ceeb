extension Secret {
    /// The keys that can give a secret, in the order messages list them.
    static let sourceKeys = ["secret_env", "secret_file", "secret"]

    /// Shortest HMAC secret accepted (SPEC §2).
    static let minimumHMACBytes = 32

    /// Reads the secret that `key` (one of `sourceKeys`) of `reader` gives. No message ever holds
    /// the secret's bytes.
    init?(decoding reader: TableReader, key: String) {
        let bytes: [UInt8]?
        let source: Source
        switch key {
        case "secret_env":
            guard let name = reader.nonEmptyString(key) else { return nil }
            bytes = Self.environment(name, reader, key)
            source = .environment(name)
        case "secret_file":
            guard let path = reader.file(key) else { return nil }
            bytes = Self.file(path, reader, key)
            source = .file(path)
        default:
            guard let text = reader.string(key) else { return nil }
            reader.warning(key, anchor: .key, "inline secret in the rules file; prefer secret_env or secret_file")
            bytes = Array(text.utf8)
            source = .inline
        }
        guard let bytes else { return nil }
        guard !bytes.isEmpty else {
            reader.error(key, "the secret is empty")
            return nil
        }
        self.init(bytes: bytes, source: source)
    }

    /// Reports, at `key`, a secret shorter than `minimumHMACBytes`; true when long enough.
    func checkHMACLength(_ reader: TableReader, key: String) -> Bool {
        guard self.bytes.count >= Self.minimumHMACBytes else {
            reader.error(
                key,
                "the secret is \(self.bytes.count) bytes; HMAC secrets must be at least \(Self.minimumHMACBytes)"
            )
            return false
        }
        return true
    }

    private static func environment(_ name: String, _ reader: TableReader, _ key: String) -> [UInt8]? {
        guard let value = reader.context.environment[name] else {
            reader.error(key, "environment variable \(name) is not set")
            return nil
        }
        return Array(value.utf8)
    }

    /// The file's bytes less one trailing newline (`\n` or `\r\n`), as `echo secret > file` writes.
    private static func file(_ path: String, _ reader: TableReader, _ key: String) -> [UInt8]? {
        switch reader.context.files.read(path) {
        case .failure(let problem):
            reader.error(key, "cannot read \"\(path)\": \(problem.reason)")
            return nil
        case .success(var bytes):
            if bytes.last == UInt8(ascii: "\n") {
                bytes.removeLast()
                if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
            }
            return bytes
        }
    }
}
