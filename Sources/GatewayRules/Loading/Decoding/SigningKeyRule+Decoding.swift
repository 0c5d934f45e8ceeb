extension SigningKeyRule {
    /// Every key this table may hold (SPEC §2, §8); any other is an error.
    static let knownKeys = ["id", "alg", "public_key_file", "scopes", "subject"] + Secret.sourceKeys
    /// The keys that give the key material; exactly one must be present.
    static let materialKeys = ["public_key_file"] + Secret.sourceKeys

    /// One `[[signing_keys]]` entry (RFC 9421): a PEM public key, or a secret for hmac-sha256.
    init?(decoding reader: TableReader) {
        reader.rejectUnknownKeys(Self.knownKeys)
        let id = reader.requiredString("id")
        let alg = reader.requiredString("alg").flatMap { Self.algorithm($0, reader) }
        let material = Self.material(reader, alg: alg)
        let scopes = reader.scopes("scopes")
        let subject = reader.nonEmptyString("subject")
        guard let id, let alg, let material, let scopes else { return nil }
        self.init(id: id, alg: alg, material: material, scopes: scopes, subject: subject)
    }

    /// RFC 9421 §6.2.2 algorithm names, case-sensitive.
    private static func algorithm(_ text: String, _ reader: TableReader) -> SignatureAlgorithm? {
        if let alg = SignatureAlgorithm(rawValue: text) { return alg }
        let names = SignatureAlgorithm.allCases.map(\.rawValue)
        let caseless = names.first { $0 == text.lowercased() }
        let hint = caseless.map { "; did you mean \"\($0)\"?" } ?? Suggestion.hint(for: text, among: names)
        reader.error("alg", "unknown algorithm \"\(text)\"\(hint) (allowed: \(names.joined(separator: " ")))")
        return nil
    }

    private static func material(_ reader: TableReader, alg: SignatureAlgorithm?) -> Material? {
        let missing = "needs a key: public_key_file, or for hmac-sha256 secret_env or secret_file"
        guard let key = reader.exactlyOne(of: Self.materialKeys, missing: missing) else { return nil }
        let isSecret = Secret.sourceKeys.contains(key)
        if let alg, (alg == .hmacSHA256) != isSecret {
            let fix = isSecret ? "give public_key_file" : "give secret_env, secret_file or secret"
            reader.error(
                key,
                anchor: .key,
                "\(alg.rawValue) \(isSecret ? "takes a public key" : "takes a secret"): \(fix) instead"
            )
            return nil
        }
        guard isSecret else { return reader.file(key).map(Material.publicKeyFile) }
        guard let secret = Secret(decoding: reader, key: key), secret.checkHMACLength(reader, key: key) else {
            return nil
        }
        return .secret(secret)
    }
}
