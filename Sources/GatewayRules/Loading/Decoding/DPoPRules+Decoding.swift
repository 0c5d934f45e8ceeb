extension DPoPRules {
    /// Every key this table may hold (SPEC §10); any other is an error.
    static let knownKeys = ["algs", "window"]

    /// `[dpop]`: the accepted proof algorithms and the window of a proof's `iat`.
    init(decoding reader: TableReader) {
        reader.rejectUnknownKeys(Self.knownKeys)
        self.init(
            algorithms: Self.algorithms(reader) ?? DPoPRules.defaultAlgorithms,
            window: reader.duration("window")
        )
    }

    /// `algs`: JWS algorithm names (case-sensitive, RFC 7515 §4.1.1), asymmetric only — RFC 9449
    /// §4.2: "MUST NOT be none or an identifier for a symmetric algorithm (MAC)".
    private static func algorithms(_ reader: TableReader) -> [JWTAlgorithm]? {
        guard let texts = reader.strings("algs") else { return nil }
        guard !texts.isEmpty else {
            reader.error("algs", "needs at least one algorithm, such as \"ES256\"")
            return nil
        }
        let allowed = JWTAlgorithm.allCases.filter { !$0.isHMAC }.map(\.rawValue)
        var algorithms: [JWTAlgorithm] = []
        var valid = true
        for (offset, text) in texts.enumerated() {
            let path = reader.path("algs").appending(index: offset + 1)
            let problem: String?
            if let algorithm = JWTAlgorithm(rawValue: text), !algorithm.isHMAC {
                if !algorithms.contains(algorithm) { algorithms.append(algorithm) }
                problem = nil
            } else if let algorithm = JWTAlgorithm(rawValue: text) {
                problem =
                    "\(algorithm.rawValue) is symmetric: a DPoP proof is signed with the client's private key "
                    + "(allowed: \(allowed.joined(separator: " ")))"
            } else if text.lowercased() == "none" {
                problem = "\"\(text)\" is not allowed: a DPoP proof must be signed (allowed: \(allowed.joined(separator: " ")))"
            } else {
                let caseless = allowed.first { $0.lowercased() == text.lowercased() }
                let hint = caseless.map { "; did you mean \"\($0)\"?" } ?? Suggestion.hint(for: text, among: allowed)
                problem = "unknown algorithm \"\(text)\"\(hint) (allowed: \(allowed.joined(separator: " ")))"
            }
            if let problem {
                reader.context.report(.error, at: path, problem)
                valid = false
            }
        }
        return valid ? algorithms : nil
    }
}
