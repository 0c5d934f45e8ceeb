extension KeyRule {
    /// Every key this table may hold (SPEC §2, §8); any other is an error.
    static let knownKeys =
        ["id", "alg", "public_key_file", "jwk_file", "private_key_file", "issuer", "audiences"]
        + Secret.sourceKeys
    /// The keys that give the key material; exactly one must be present.
    static let materialKeys = ["public_key_file", "jwk_file"] + Secret.sourceKeys

    /// One `[[keys]]` entry: exactly one key source, matching the pinned algorithm.
    init?(decoding reader: TableReader) {
        reader.rejectUnknownKeys(Self.knownKeys)
        let id = reader.requiredString("id")
        let alg = reader.requiredString("alg").flatMap { Self.algorithm($0, reader) }
        let material = Self.material(reader, alg: alg)
        let privateKeyFile = Self.privateKeyFile(reader, alg: alg)
        let issuer = reader.nonEmptyString("issuer")
        let audiences = reader.strings("audiences") ?? []
        guard let id, let alg, let material else { return nil }
        self.init(
            id: id,
            alg: alg,
            material: material,
            privateKeyFile: privateKeyFile,
            issuer: issuer,
            audiences: audiences
        )
    }

    /// The pinned algorithm; names are case-sensitive (RFC 7515 §4.1.1), with a hint for a near miss.
    private static func algorithm(_ text: String, _ reader: TableReader) -> JWTAlgorithm? {
        if let alg = JWTAlgorithm(rawValue: text) { return alg }
        let names = JWTAlgorithm.allCases.map(\.rawValue)
        let caseless = names.first { $0.lowercased() == text.lowercased() }
        let hint = caseless.map { "; did you mean \"\($0)\"?" } ?? Suggestion.hint(for: text, among: names)
        reader.error("alg", "unknown algorithm \"\(text)\"\(hint) (allowed: \(names.joined(separator: " ")))")
        return nil
    }

    /// The verification key: a PEM or JWK file for public-key algorithms, a secret for HS*.
    private static func material(_ reader: TableReader, alg: JWTAlgorithm?) -> Material? {
        let missing = "needs a key: public_key_file or jwk_file, or for HS256/HS384/HS512 secret_env or secret_file"
        guard let key = reader.exactlyOne(of: Self.materialKeys, missing: missing) else { return nil }
        let isSecret = Secret.sourceKeys.contains(key)
        if let alg, alg.isHMAC != isSecret {
            let fix = alg.isHMAC ? "give secret_env, secret_file or secret" : "give public_key_file or jwk_file"
            let kind = alg.isHMAC ? "an HMAC algorithm" : "a public-key algorithm"
            reader.error(key, anchor: .key, "\(alg.rawValue) is \(kind): \(fix) instead")
            return nil
        }
        switch key {
        case "public_key_file": return reader.file(key).map(Material.publicKeyFile)
        case "jwk_file": return reader.file(key).map(Material.jwkFile)
        default: return Self.secret(reader, key: key, alg: alg)
        }
    }

    /// An HMAC secret: at least 32 bytes, and (RFC 7518 §3.2) a warning below the hash size.
    private static func secret(_ reader: TableReader, key: String, alg: JWTAlgorithm?) -> Material? {
        guard let secret = Secret(decoding: reader, key: key), secret.checkHMACLength(reader, key: key) else {
            return nil
        }
        let hashBytes = alg == .hs512 ? 64 : alg == .hs384 ? 48 : 32
        if secret.bytes.count < hashBytes, let alg {
            reader.warning(
                key,
                "the secret is \(secret.bytes.count) bytes; RFC 7518 §3.2 asks for at least \(hashBytes) with \(alg.rawValue)"
            )
        }
        return .secret(secret)
    }

    /// `private_key_file`: only for public-key algorithms (the token endpoint signs with it).
    private static func privateKeyFile(_ reader: TableReader, alg: JWTAlgorithm?) -> String? {
        guard reader.has("private_key_file") else { return nil }
        if let alg, alg.isHMAC {
            reader.error(
                "private_key_file",
                anchor: .key,
                "\(alg.rawValue) keys are shared secrets; private_key_file is only for public-key algorithms"
            )
            return nil
        }
        return reader.file("private_key_file")
    }
}
