import GatewayRules

/// Checks that a `[[keys]]` entry's `private_key_file` belongs to its public key (SPEC §8): the
/// token endpoint signs with the one, and every verifier — this gateway's and its peers' — checks
/// with the other, so a mismatch would issue tokens that no one accepts.
///
/// The check signs a fixed message with the private key and verifies it with the configured
/// verification key, whatever the family: it proves exactly what matters (what is signed
/// verifies) without comparing encodings. It runs at load time only; an RSA key makes it cost
/// a millisecond or two.
enum KeyPairCheck {
    /// Loads `rule`'s private key (PEM, for its pinned `alg`) and checks it against `verificationKey`.
    static func check(
        _ rule: KeyRule,
        privateKeyFile path: String,
        against verificationKey: AnyVerificationKey
    ) throws(KeyProblem) {
        let signingKey = try PEMKeys.signingKey(pem: try KeyFile.readText(path), algorithm: rule.alg)
        let message = Array("gateway private_key_file check".utf8)
        let signature: [UInt8]
        do {
            signature = try message.withUnsafeBytes { try signingKey.signature(for: $0) }
        } catch {
            throw KeyProblem("the private key could not sign")
        }
        let valid = signature.withUnsafeBytes { signature in
            message.withUnsafeBytes { verificationKey.isValidSignature(signature, for: $0) }
        }
        guard valid else {
            throw KeyProblem("does not match the key's public key: tokens signed with it would not verify")
        }
    }
}
