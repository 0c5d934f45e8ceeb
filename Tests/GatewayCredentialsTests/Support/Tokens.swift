import Crypto
import Foundation
import GatewayRules

@testable import GatewayCredentials

/// base64url by way of Foundation, independent of the module's own codec.
func b64url(_ bytes: [UInt8]) -> String {
    Data(bytes).base64EncodedString()
        .replacingOccurrences(of: "+", with: "-")
        .replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}

func b64url(_ text: String) -> String { b64url(Array(text.utf8)) }

func unb64url(_ text: some StringProtocol) -> [UInt8] {
    var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while base64.count % 4 != 0 { base64 += "=" }
    return [UInt8](Data(base64Encoded: base64)!)
}

/// A compact JWS over the given header and payload JSON texts, HMAC-SHA-256 signed with
/// swift-crypto directly (for tokens no library would produce: duplicate names, `crit`, …).
func hs256Token(header: String, payload: String, secret: [UInt8]) -> String {
    let signingInput = b64url(header) + "." + b64url(payload)
    let mac = HMAC<SHA256>.authenticationCode(for: Array(signingInput.utf8), using: SymmetricKey(data: secret))
    return signingInput + "." + b64url(Array(mac))
}

/// The same, ES256-signed.
func es256Token(header: String, payload: String, key: P256.Signing.PrivateKey) -> String {
    let signingInput = b64url(header) + "." + b64url(payload)
    let signature = try! key.signature(for: Array(signingInput.utf8))
    return signingInput + "." + b64url(Array(signature.rawRepresentation))
}

/// Replaces the part `index` (0 header, 1 payload, 2 signature) of a compact token.
func replacingPart(_ token: String, _ index: Int, with part: String) -> String {
    var parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    parts[index] = part
    return parts.joined(separator: ".")
}

func part(_ token: String, _ index: Int) -> String {
    String(token.split(separator: ".", omittingEmptySubsequences: false)[index])
}

/// A 64-byte test secret.
let testSecret: [UInt8] = Array(0..<64)

/// A verifier with one HS256 key `kid` holding `testSecret`.
func hs256Verifier(kid: String = "hs", scopeClaims: [String] = ["scope", "scp"]) -> JWTVerifier {
    let rule = KeyRule(id: kid, alg: .hs256, material: .secret(Secret(bytes: testSecret, source: .inline)))
    return JWTVerifier(keyRing: try! JWTKeyRing(keys: [rule]), scopeClaims: scopeClaims)
}

/// The verification error `body` throws, if any (nil when it succeeds or throws something else).
func verificationError(_ body: () throws -> VerifiedToken) -> JWTVerificationError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error as? JWTVerificationError
    }
}

/// A key rule and directory for an independent signer's key: the PEM written to a file, or the secret.
func keyRule(for signer: IndependentSigner, id: String? = nil, in directory: TestDirectory) -> KeyRule {
    let alg = JWTAlgorithm(rawValue: signer.algorithm)!
    if let secret = signer.secret {
        return KeyRule(id: id ?? signer.kid, alg: alg, material: .secret(Secret(bytes: secret, source: .inline)))
    }
    let path = directory.write("\(signer.kid).pub.pem", signer.publicKeyPEM!)
    return KeyRule(id: id ?? signer.kid, alg: alg, material: .publicKeyFile(path))
}
