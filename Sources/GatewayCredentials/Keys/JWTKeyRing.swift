public import GatewayRules

/// Every configured JWT verification key, found by `kid` alone.
///
/// Built once per rules snapshot from `[[keys]]` and `[[jwks]]` (reading files, at load time)
/// and immutable after: a reload or a JWKS refresh builds a new ring. Unlike vapor/jwt-kit's key
/// collection there is no default key: a token without `kid`, or with a `kid` no key has, is
/// `unknown_key` (SPEC §3).
public struct JWTKeyRing: Sendable {
    struct Entry: Sendable {
        var key: AnyVerificationKey
        var issuer: String?
        var audiences: [String]
        /// Where it came from, for duplicate-`kid` messages.
        var keyPath: String
    }

    private var entries: [String: Entry]
    /// `[[jwks]] url` sources for which no fetched JWK Set was given: their keys are absent
    /// until the fetcher supplies the bytes and a new ring is built.
    public private(set) var pendingJWKSURLs: [String]

    /// Loads every key; throws every problem found, each with its key path. A `[[keys]]` entry
    /// with `private_key_file` must hold the private key of its public key (`KeyPairCheck`).
    ///
    /// - Parameters:
    ///   - keys: `[[keys]]`, in file order (key paths count from 1).
    ///   - jwks: `[[jwks]]`, in file order. Every key of a set needs `kid` and `alg`; keys marked
    ///     `"use": "enc"` are skipped.
    ///   - fetchedJWKS: for `url` sources, the JWK Set bytes already fetched, by URL. This module
    ///     fetches nothing.
    public init(keys: [KeyRule], jwks: [JWKSRule] = [], fetchedJWKS: [String: [UInt8]] = [:]) throws(KeyLoadError) {
        var entries: [String: Entry] = [:]
        var problems: [KeyLoadError.Problem] = []
        var pending: [String] = []

        func add(_ kid: String, _ entry: Entry) {
            if let existing = entries[kid] {
                problems.append(
                    .init(keyPath: entry.keyPath, message: "kid \"\(kid)\" is also used by \(existing.keyPath)")
                )
            } else {
                entries[kid] = entry
            }
        }

        for (index, rule) in keys.enumerated() {
            let base = "keys[\(index + 1)](\(rule.id))"
            let (field, loaded) = Self.load(rule)
            switch loaded {
            case .success(let key):
                if let path = rule.privateKeyFile {
                    // SPEC §8: the private key of a key the token endpoint may sign with matches its public key.
                    do throws(KeyProblem) {
                        try KeyPairCheck.check(rule, privateKeyFile: path, against: key)
                    } catch {
                        problems.append(.init(keyPath: "\(base).private_key_file", message: error.message))
                        continue
                    }
                }
                add(
                    rule.id,
                    Entry(key: key, issuer: rule.issuer, audiences: rule.audiences, keyPath: "\(base).\(field)")
                )
            case .failure(let problem):
                problems.append(.init(keyPath: "\(base).\(field)", message: problem.message))
            }
        }

        for (index, rule) in jwks.enumerated() {
            let bytes: [UInt8]
            let keyPath: String
            switch rule.source {
            case .file(let path):
                keyPath = "jwks[\(index + 1)].file"
                do throws(KeyProblem) {
                    bytes = try KeyFile.read(path)
                } catch {
                    problems.append(.init(keyPath: keyPath, message: error.message))
                    continue
                }
            case .url(let url, _):
                keyPath = "jwks[\(index + 1)].url"
                guard let fetched = fetchedJWKS[url] else {
                    pending.append(url)
                    continue
                }
                bytes = fetched
            }
            let set: [Result<JWK, KeyProblem>]
            do throws(KeyProblem) {
                set = try JWKSet.keys(json: bytes)
            } catch {
                problems.append(.init(keyPath: keyPath, message: error.message))
                continue
            }
            for (position, element) in set.enumerated() {
                let label = "key \(position + 1)"
                switch element {
                case .failure(let problem):
                    problems.append(.init(keyPath: keyPath, message: "\(label): \(problem.message)"))
                case .success(let jwk):
                    guard jwk.isForSignatures else { continue }
                    guard let kid = jwk.keyID else {
                        problems.append(
                            .init(
                                keyPath: keyPath,
                                message: "\(label): no kid (every key of a JWK Set needs kid and alg)"
                            )
                        )
                        continue
                    }
                    do throws(KeyProblem) {
                        let key = try jwk.verificationKey(for: try jwk.requireAlgorithm())
                        add(
                            kid,
                            Entry(
                                key: key,
                                issuer: rule.issuer,
                                audiences: rule.audiences,
                                keyPath: "\(keyPath) \(label) (\(kid))"
                            )
                        )
                    } catch {
                        problems.append(.init(keyPath: keyPath, message: "\(label) (\(kid)): \(error.message)"))
                    }
                }
            }
        }

        if !problems.isEmpty { throw KeyLoadError(problems: problems) }
        self.entries = entries
        self.pendingJWKSURLs = pending
    }

    /// Loads one `[[keys]]` entry; returns the rules-file field the key came from.
    private static func load(_ rule: KeyRule) -> (field: String, Result<AnyVerificationKey, KeyProblem>) {
        switch rule.material {
        case .publicKeyFile(let path):
            do throws(KeyProblem) {
                let pem = try KeyFile.readText(path)
                return ("public_key_file", .success(try PEMKeys.verificationKey(pem: pem, algorithm: rule.alg)))
            } catch {
                return ("public_key_file", .failure(error))
            }
        case .jwkFile(let path):
            do throws(KeyProblem) {
                let jwk = try JWK(json: try KeyFile.read(path))
                if let kid = jwk.keyID, kid != rule.id {
                    throw KeyProblem("the JWK's kid \"\(kid)\" differs from id \"\(rule.id)\"")
                }
                if let name = jwk.algorithmName, name != rule.alg.rawValue {
                    throw KeyProblem("the JWK's alg \(name) differs from alg \(rule.alg.rawValue)")
                }
                return ("jwk_file", .success(try jwk.verificationKey(for: rule.alg)))
            } catch {
                return ("jwk_file", .failure(error))
            }
        case .secret(let secret):
            let field: String
            switch secret.source {
            case .environment: field = "secret_env"
            case .file: field = "secret_file"
            case .inline: field = "secret"
            }
            do throws(KeyProblem) {
                return (field, .success(.hmac(try Self.hmacKey(secret.bytes, rule.alg))))
            } catch {
                return (field, .failure(error))
            }
        }
    }

    static func hmacKey(_ secret: [UInt8], _ algorithm: JWTAlgorithm) throws(KeyProblem) -> HMACSharedKey {
        guard algorithm.isHMAC else {
            throw KeyProblem("a secret only suits HS256, HS384 or HS512, not \(algorithm.rawValue)")
        }
        guard secret.count >= HMACSharedKey.minimumSecretBytes else {
            throw KeyProblem(
                "the secret is \(secret.count) bytes; HMAC secrets need at least \(HMACSharedKey.minimumSecretBytes) (256 bits)"
            )
        }
        return HMACSharedKey(secret: secret, algorithm: algorithm)!
    }

    /// The number of keys (SPEC §1 `gateway check`'s K).
    public var count: Int { self.entries.count }

    /// Every `kid`, sorted.
    public var keyIDs: [String] { self.entries.keys.sorted() }

    /// Whether a key has `kid`.
    public func contains(keyID kid: String) -> Bool { self.entries[kid] != nil }

    /// The algorithm the key `kid` is pinned to, if there is such a key.
    public func algorithm(forKeyID kid: String) -> JWTAlgorithm? {
        self.entries[kid]?.key.algorithm
    }

    @inline(__always)
    func entry(forKeyID kid: String) -> Entry? {
        self.entries[kid]
    }
}
