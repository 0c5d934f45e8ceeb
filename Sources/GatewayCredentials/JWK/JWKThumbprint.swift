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
        guard let kty = document.member("kty", in: object).flatMap({ document.stringBytes($0) }) else {
            throw KeyProblem("kty is missing")
        }
        let names: [StaticString]
        let isRSA: Bool
        if kty.elementsEqual("EC".utf8) {
            names = ["crv", "kty", "x", "y"]
            isRSA = false
        } else if kty.elementsEqual("OKP".utf8) {
            names = ["crv", "kty", "x"]
            isRSA = false
        } else if kty.elementsEqual("RSA".utf8) {
            names = ["e", "kty", "n"]
            isRSA = true
        } else {
            throw KeyProblem("no thumbprint for a kty other than EC, OKP or RSA")
        }
        // The canonical object, written straight from the member values' bytes.
        var json: [UInt8] = [UInt8(ascii: "{")]
        json.reserveCapacity(64 + (isRSA ? 700 : 100))
        for (index, name) in names.enumerated() {
            guard let member = document.member(name, in: object), let value = document.stringBytes(member) else {
                throw KeyProblem("\(name) is missing or not a string")
            }
            // Members are base64url or names such as "P-256": nothing to escape, so the bytes are
            // written as they are; anything else is not a key this gateway verifies with.
            guard value.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) else {
                throw KeyProblem("\(name) is not a plain ASCII string")
            }
            if isRSA, name.utf8CodeUnitCount == 1 {
                guard let bytes = Array(value).withUnsafeBytes({ Base64URL.decode($0) }), let first = bytes.first,
                    first != 0 || bytes.count == 1
                else { throw KeyProblem("\(name) is not a minimal base64url integer (RFC 7518 §2)") }
            }
            if index > 0 { json.append(UInt8(ascii: ",")) }
            json.append(UInt8(ascii: "\""))
            json.append(contentsOf: UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            json.append(contentsOf: "\":\"".utf8)
            json.append(contentsOf: value)
            json.append(UInt8(ascii: "\""))
        }
        json.append(UInt8(ascii: "}"))
        return Base64URL.encode(Array(SHA256.hash(data: json)))
    }
}
