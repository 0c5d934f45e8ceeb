import Crypto
import Foundation
import GatewayRules
import _CryptoExtras

/// The public JWK (RFC 7517) of a key given as PEM: only the members RFC 7638 §3.2 requires,
/// in lexicographic order, so it is both what a DPoP proof's `jwk` header carries (RFC 9449
/// §4.2) and what its thumbprint is computed over.
///
/// For `gateway dpop proof`, `gateway dpop thumbprint` and tests: built at load time, never on
/// the request path (it goes through `Data` for RSA's modulus).
struct PublicJWK: Sendable, Equatable {
    struct Member: Sendable, Equatable {
        var name: String
        var value: String
    }

    /// Required members, sorted by name.
    var members: [Member]
    /// The algorithm a proof signed with this key uses unless told otherwise: ES256 or ES384 for
    /// EC keys, EdDSA for Ed25519, PS256 for RSA.
    var defaultAlgorithm: JWTAlgorithm

    /// The base64url SHA-256 thumbprint (RFC 7638).
    var thumbprint: String { JWKThumbprint.sha256(members: self.members) }

    /// `{"crv":…,"kty":…,…}` with the members in order.
    var json: JSONWriter {
        var writer = JSONWriter()
        for member in self.members { writer.member(member.name, string: member.value) }
        return writer
    }

    /// The public half of a signing key; nil for an HMAC secret, which has none.
    init?(_ key: AnySigningKey) {
        switch key {
        case .hmac:
            return nil
        case .ecdsa(let signing):
            switch signing.key {
            case .p256(let key): self.init(ec: "P-256", x963: Array(key.publicKey.x963Representation), .es256)
            case .p384(let key): self.init(ec: "P-384", x963: Array(key.publicKey.x963Representation), .es384)
            }
        case .eddsa(let signing):
            self.init(ed25519: Array(signing.key.publicKey.rawRepresentation))
        case .rsa(let signing):
            guard let primitives = try? signing.key.publicKey.getKeyPrimitives() else { return nil }
            self.init(rsaModulus: primitives.modulus, exponent: primitives.publicExponent)
        }
    }

    /// The public key of a verification key; nil for an HMAC secret.
    init?(_ key: AnyVerificationKey) {
        switch key {
        case .hmac:
            return nil
        case .ecdsa(let verifying):
            switch verifying.key {
            case .p256(let key): self.init(ec: "P-256", x963: Array(key.x963Representation), .es256)
            case .p384(let key): self.init(ec: "P-384", x963: Array(key.x963Representation), .es384)
            }
        case .eddsa(let verifying):
            self.init(ed25519: Array(verifying.key.rawRepresentation))
        case .rsa(let verifying):
            guard let primitives = try? verifying.key.getKeyPrimitives() else { return nil }
            self.init(rsaModulus: primitives.modulus, exponent: primitives.publicExponent)
        }
    }

    /// The public key in a PEM file: a public key (`PUBLIC KEY`, `RSA PUBLIC KEY`) or a private
    /// key (`PRIVATE KEY`, `EC PRIVATE KEY`, `RSA PRIVATE KEY`) of any supported family.
    init(pem: String) throws(KeyProblem) {
        guard let label = PEMKeys.label(of: pem) else { throw KeyProblem("not a PEM file") }
        let isPrivate = label.hasSuffix("PRIVATE KEY")
        for algorithm in [JWTAlgorithm.es256, .es384, .eddsa, .ps256] {
            if isPrivate {
                if let key = try? PEMKeys.signingKey(pem: pem, algorithm: algorithm), let jwk = PublicJWK(key) {
                    self = jwk
                    return
                }
            } else if let key = try? PEMKeys.verificationKey(pem: pem, algorithm: algorithm), let jwk = PublicJWK(key) {
                self = jwk
                return
            }
        }
        throw KeyProblem("not a P-256, P-384, Ed25519 or RSA (2048 bits or more) \(isPrivate ? "private" : "public") key")
    }

    private init(ec curve: String, x963: [UInt8], _ algorithm: JWTAlgorithm) {
        // X9.63 uncompressed point: 0x04 || X || Y, each coordinate the field's size.
        let size = (x963.count - 1) / 2
        self.members = [
            Member(name: "crv", value: curve), Member(name: "kty", value: "EC"),
            Member(name: "x", value: Base64URL.encode(x963[1...size])),
            Member(name: "y", value: Base64URL.encode(x963[(size + 1)...])),
        ]
        self.defaultAlgorithm = algorithm
    }

    private init(ed25519 x: [UInt8]) {
        self.members = [
            Member(name: "crv", value: "Ed25519"), Member(name: "kty", value: "OKP"),
            Member(name: "x", value: Base64URL.encode(x)),
        ]
        self.defaultAlgorithm = .eddsa
    }

    private init(rsaModulus modulus: Data, exponent: Data) {
        // Base64urlUInt (RFC 7518 §2): the minimum number of octets.
        let n = Array(modulus.drop { $0 == 0 })
        let e = Array(exponent.drop { $0 == 0 })
        self.members = [
            Member(name: "e", value: Base64URL.encode(e)), Member(name: "kty", value: "RSA"),
            Member(name: "n", value: Base64URL.encode(n)),
        ]
        self.defaultAlgorithm = .ps256
    }
}
