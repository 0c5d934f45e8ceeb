public import GatewayRules

/// Every `[[signing_keys]]` entry (SPEC §2), found by the signature's `keyid` alone.
///
/// Built once per rules snapshot (reading key files, at load time) and immutable after. As with
/// `JWTKeyRing` there is no default key: a `keyid` no entry has is `unknown_key`.
public struct SignatureKeyRing: Sendable {
    struct Entry: Sendable {
        var key: AnyVerificationKey
        var algorithm: SignatureAlgorithm
        var scopes: [String]
        var subject: String
        /// `signature:<id>`, built once: the scope of this key's nonces in the replay store.
        var replayScope: String
    }

    private var entries: [String: Entry]

    /// Loads every key; throws every problem found, each with its key path
    /// (`signing_keys[2](billing-bot).public_key_file`).
    ///
    /// ed25519, ecdsa-p256-sha256 and rsa-pss-sha512 take a PEM public key (SPKI; RSA of at
    /// least 2048 bits); hmac-sha256 a secret of at least 32 bytes.
    public init(rules: [SigningKeyRule]) throws(KeyLoadError) {
        var entries: [String: Entry] = [:]
        var firstPath: [String: String] = [:]
        var problems: [KeyLoadError.Problem] = []
        for (index, rule) in rules.enumerated() {
            let base = "signing_keys[\(index + 1)](\(rule.id))"
            let field: String
            let loaded: Result<AnyVerificationKey, KeyProblem>
            switch rule.material {
            case .publicKeyFile(let path):
                field = "public_key_file"
                do throws(KeyProblem) {
                    let pem = try KeyFile.readText(path)
                    loaded = .success(try SignatureKeys.verificationKey(pem: pem, algorithm: rule.alg))
                } catch {
                    loaded = .failure(error)
                }
            case .secret(let secret):
                switch secret.source {
                case .environment: field = "secret_env"
                case .file: field = "secret_file"
                case .inline: field = "secret"
                }
                do throws(KeyProblem) {
                    guard rule.alg == .hmacSHA256 else {
                        throw KeyProblem("a secret only suits hmac-sha256, not \(rule.alg.rawValue)")
                    }
                    loaded = .success(.hmac(try SignatureKeys.hmacKey(secret.bytes)))
                } catch {
                    loaded = .failure(error)
                }
            }
            switch loaded {
            case .failure(let problem):
                problems.append(.init(keyPath: "\(base).\(field)", message: problem.message))
            case .success(let key):
                if let existing = firstPath[rule.id] {
                    problems.append(
                        .init(keyPath: "\(base).id", message: "id \"\(rule.id)\" is also used by \(existing)")
                    )
                    continue
                }
                firstPath[rule.id] = base
                entries[rule.id] = Entry(
                    key: key,
                    algorithm: rule.alg,
                    scopes: rule.scopes,
                    subject: rule.subject,
                    replayScope: "signature:" + rule.id
                )
            }
        }
        if !problems.isEmpty { throw KeyLoadError(problems: problems) }
        self.entries = entries
    }

    /// A ring of keys already loaded (tests, and callers that hold keys in memory).
    init(entries: [String: Entry]) {
        self.entries = entries
    }

    /// The number of keys (SPEC §1 `gateway check`'s S).
    public var count: Int { self.entries.count }

    /// Every key id, sorted.
    public var keyIDs: [String] { self.entries.keys.sorted() }

    /// The algorithm of the key `keyID`, if there is such a key.
    public func algorithm(forKeyID keyID: String) -> SignatureAlgorithm? {
        self.entries[keyID]?.algorithm
    }

    @inline(__always)
    func entry(forKeyID keyID: String) -> Entry? {
        self.entries[keyID]
    }
}
