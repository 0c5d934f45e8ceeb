import Crypto

/// JWK thumbprints (RFC 7638) with SHA-256, base64url without padding: what a DPoP-bound token
/// carries in `cnf.jkt` and what a DPoP proof's `jwk` must hash to (RFC 9449 §6.1, §4.3).
///
/// RFC 7638 §3: the hash of a JSON object holding only the key type's required members
/// (§3.2: `crv`, `kty`, `x`, `y` for EC; `crv`, `kty`, `x` for OKP, RFC 8037 §2; `e`, `kty`, `n`
/// for RSA), in lexicographic order of their names, with no whitespace, each value the string
/// the JWK holds. Written by hand: it is a dozen lines over the strict JSON layer this module
/// already has, and the inputs are validated keys whose values need no escaping.
public enum JWKThumbprint {
    /// The base64url SHA-256 thumbprint of the public key in a PEM file (`PUBLIC KEY`, or a
    /// private key whose public half is meant): P-256 and P-384, Ed25519 and RSA keys.
    public static func sha256(pem: String, keyPath: String = "--key") throws(KeyLoadError) -> String {
        do throws(KeyProblem) {
            return try PublicJWK(pem: pem).thumbprint
        } catch {
            throw KeyLoadError(problems: [.init(keyPath: keyPath, message: error.message)])
        }
    }

    /// The thumbprint of `members`: the required members, already in lexicographic order.
    static func sha256(members: [PublicJWK.Member]) -> String {
        var json = JSONWriter()
        for member in members { json.member(member.name, string: member.value) }
        return Base64URL.encode(Array(SHA256.hash(data: json.finish())))
    }

    /// The thumbprint of the JWK object at `object` in `document` (a DPoP proof's `jwk`), which
    /// must already have been checked to be a public key of a supported type. Throws when a
    /// required member is missing, and for an RSA `n` or `e` with leading zero octets
    /// (RFC 7518 §2 Base64urlUInt: "the minimum number of octets"), which would give one key
    /// two thumbprints (RFC 7638 §3.3).
    static func sha256(document: JSONDocument, object: Int) throws(KeyProblem) -> String {
        guard let kty = document.member("kty", in: object).flatMap({ document.string($0) }) else {
            throw KeyProblem("kty is missing")
        }
        let names: [String]
        switch kty {
        case "EC": names = ["crv", "kty", "x", "y"]
        case "OKP": names = ["crv", "kty", "x"]
        case "RSA": names = ["e", "kty", "n"]
        default: throw KeyProblem("no thumbprint for kty \(kty == "oct" ? "oct" : "other than EC, OKP or RSA")")
        }
        var members: [PublicJWK.Member] = []
        members.reserveCapacity(names.count)
        for name in names {
            var found: String?
            for (key, value) in document.members(of: object) where document.string(key) == name {
                found = document.string(value)
            }
            guard let value = found else { throw KeyProblem("\(name) is missing or not a string") }
            if kty == "RSA", name != "kty" {
                guard let bytes = Base64URL.decode(value), let first = bytes.first, first != 0 || bytes.count == 1 else {
                    throw KeyProblem("\(name) is not a minimal base64url integer (RFC 7518 §2)")
                }
            }
            members.append(PublicJWK.Member(name: name, value: value))
        }
        return Self.sha256(members: members)
    }
}
