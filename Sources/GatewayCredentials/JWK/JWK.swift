import Crypto
import GatewayRules
import _CryptoExtras

/// One JSON Web Key (RFC 7517 §4) turned into a verification key.
///
/// Supported: `kty` `RSA` (RFC 7518 §6.3.1: `n`, `e`), `EC` (§6.2.1: `crv` P-256 / P-384, `x`,
/// `y`), `OKP` (RFC 8037 §2: `crv` Ed25519, `x`) and `oct` (RFC 7518 §6.4: `k`). Private members
/// (`d`, `p`, …) are ignored; `x5c` / `x5u` are never used.
struct JWK {
    /// `kid`, if the key has one.
    var keyID: String?
    /// `alg` as written, if the key has one.
    var algorithmName: String?
    /// `alg`, if the key has one and it is a supported JWS algorithm.
    var algorithm: JWTAlgorithm? { self.algorithmName.flatMap(JWTAlgorithm.init(rawValue:)) }
    /// False for a key marked `"use": "enc"` (an encryption key in a mixed set).
    var isForSignatures: Bool
    private var document: JSONDocument
    private var object: Int

    /// Reads the members of the JWK object at `object` in `document`.
    init(document: JSONDocument, object: Int) throws(KeyProblem) {
        guard document.kind(object) == .object else { throw KeyProblem("a JWK must be a JSON object") }
        self.document = document
        self.object = object
        if let kid = document.member("kid", in: object) {
            guard let value = document.string(kid) else { throw KeyProblem("kid is not a string") }
            self.keyID = value
        }
        if let alg = document.member("alg", in: object) {
            guard let name = document.string(alg) else { throw KeyProblem("alg is not a string") }
            self.algorithmName = name
        }
        if let use = document.member("use", in: object) {
            guard let value = document.string(use) else { throw KeyProblem("use is not a string") }
            self.isForSignatures = value == "sig"
        } else {
            self.isForSignatures = true
        }
    }

    /// The supported algorithm the key names; throws when it names none or another one.
    func requireAlgorithm() throws(KeyProblem) -> JWTAlgorithm {
        guard let name = self.algorithmName else {
            throw KeyProblem("no alg (every key of a JWK Set needs kid and alg)")
        }
        guard let algorithm = JWTAlgorithm(rawValue: name) else { throw Self.unsupported(name) }
        return algorithm
    }

    static func unsupported(_ name: String) -> KeyProblem {
        KeyProblem(
            "alg \"\(name)\" is not supported (one of \(JWTAlgorithm.allCases.map(\.rawValue).joined(separator: " ")))"
        )
    }

    /// Parses a JWK file's bytes.
    init(json: [UInt8]) throws(KeyProblem) {
        let document: JSONDocument
        do {
            document = try JSONDocument(parsing: json)
        } catch {
            throw KeyProblem("invalid JSON: \(error)")
        }
        try self.init(document: document, object: JSONDocument.root)
    }

    /// The verification key for `algorithm`, which must suit the key type.
    func verificationKey(for algorithm: JWTAlgorithm) throws(KeyProblem) -> AnyVerificationKey {
        guard let kty = self.string("kty") else { throw KeyProblem("kty is missing") }
        switch kty {
        case "RSA":
            guard RSAParameters.padding(for: algorithm) != nil else { throw self.mismatch(kty, algorithm) }
            let modulus = try self.bytes("n")
            let exponent = try self.bytes("e")
            try PEMKeys.checkRSASize(Self.bitLength(modulus))
            guard let key = try? _RSA.Signing.PublicKey(n: modulus, e: exponent) else {
                throw KeyProblem("n and e do not form an RSA public key")
            }
            return .rsa(RSAPublicVerificationKey(key: key, algorithm: algorithm)!)
        case "EC":
            guard let curve = ECDSACurve(algorithm: algorithm) else { throw self.mismatch(kty, algorithm) }
            let crv = self.string("crv")
            guard crv == curve.jwkName else {
                throw KeyProblem("crv \"\(crv ?? "")\" does not suit \(algorithm.rawValue) (needs \(curve.jwkName))")
            }
            let x = try self.bytes("x")
            let y = try self.bytes("y")
            // RFC 7518 §6.2.1.2: coordinates are the full size of the curve's field.
            guard x.count == curve.coordinateBytes, y.count == curve.coordinateBytes else {
                throw KeyProblem("x and y must be \(curve.coordinateBytes) bytes each for \(curve.jwkName)")
            }
            let x963 = [0x04] + x + y
            switch curve {
            case .p256:
                guard let key = try? P256.Signing.PublicKey(x963Representation: x963) else {
                    throw KeyProblem("x, y are not a point on P-256")
                }
                return .ecdsa(ECDSAPublicVerificationKey(key: .p256(key), algorithm: algorithm)!)
            case .p384:
                guard let key = try? P384.Signing.PublicKey(x963Representation: x963) else {
                    throw KeyProblem("x, y are not a point on P-384")
                }
                return .ecdsa(ECDSAPublicVerificationKey(key: .p384(key), algorithm: algorithm)!)
            }
        case "OKP":
            guard algorithm == .eddsa else { throw self.mismatch(kty, algorithm) }
            let crv = self.string("crv")
            guard crv == "Ed25519" else {
                throw KeyProblem("crv \"\(crv ?? "")\" is not supported (EdDSA needs Ed25519)")
            }
            let x = try self.bytes("x")
            guard x.count == 32, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: x) else {
                throw KeyProblem("x is not a 32-byte Ed25519 public key")
            }
            return .eddsa(EdDSAPublicVerificationKey(key: key))
        case "oct":
            guard algorithm.isHMAC else { throw self.mismatch(kty, algorithm) }
            let secret = try self.bytes("k")
            guard secret.count >= HMACSharedKey.minimumSecretBytes else {
                throw KeyProblem(
                    "k is \(secret.count) bytes; HMAC secrets need at least \(HMACSharedKey.minimumSecretBytes)"
                )
            }
            return .hmac(HMACSharedKey(secret: secret, algorithm: algorithm)!)
        default:
            throw KeyProblem("kty \"\(kty)\" is not supported (RSA, EC, OKP or oct)")
        }
    }

    private func mismatch(_ kty: String, _ algorithm: JWTAlgorithm) -> KeyProblem {
        KeyProblem("kty \(kty) does not suit alg \(algorithm.rawValue)")
    }

    private func string(_ name: StaticString) -> String? {
        self.document.member(name, in: self.object).flatMap { self.document.string($0) }
    }

    /// A base64url member (RFC 7518 §6: Base64urlUInt and octet values).
    private func bytes(_ name: StaticString) throws(KeyProblem) -> [UInt8] {
        guard let value = self.document.member(name, in: self.object) else { throw KeyProblem("\(name) is missing") }
        guard let text = self.document.stringBytes(value) else { throw KeyProblem("\(name) is not a string") }
        guard let bytes = Array(text).withUnsafeBytes({ Base64URL.decode($0) }), !bytes.isEmpty else {
            throw KeyProblem("\(name) is not base64url")
        }
        return bytes
    }

    /// Bits of a big-endian unsigned integer, leading zero bytes ignored.
    static func bitLength(_ bytes: [UInt8]) -> Int {
        guard let first = bytes.firstIndex(where: { $0 != 0 }) else { return 0 }
        return (bytes.count - first - 1) * 8 + (8 - bytes[first].leadingZeroBitCount)
    }
}

/// A JWK Set (RFC 7517 §5): `{"keys": [ … ]}`.
enum JWKSet {
    /// The set's keys, in order. Throws when the text is not a JWK Set.
    static func keys(json: [UInt8]) throws(KeyProblem) -> [Result<JWK, KeyProblem>] {
        let document: JSONDocument
        do {
            document = try JSONDocument(parsing: json)
        } catch {
            throw KeyProblem("invalid JSON: \(error)")
        }
        guard document.kind(JSONDocument.root) == .object, let keys = document.member("keys", in: JSONDocument.root),
            document.kind(keys) == .array
        else { throw KeyProblem("not a JWK Set: expected {\"keys\": [...]}") }
        var result: [Result<JWK, KeyProblem>] = []
        for element in document.elements(of: keys) {
            do throws(KeyProblem) {
                result.append(.success(try JWK(document: document, object: element)))
            } catch {
                result.append(.failure(error))
            }
        }
        return result
    }
}
