import Foundation
import GatewayCredentials

/// `gateway dpop thumbprint`: the RFC 7638 SHA-256 thumbprint of a key, base64url — the value an
/// identity provider puts in a bound token's `cnf.jkt` (RFC 9449 §6.1), and what
/// `gateway token mint --jkt` takes.
public enum DPoPThumbprintCommand {
    /// The thumbprint of the public key in `keyFile` (a public or a private key PEM).
    public static func run(keyFile: String) -> (lines: [String], status: Int32) {
        guard let pem = FileManager.default.contents(atPath: keyFile).flatMap({ String(data: $0, encoding: .utf8) }) else {
            return (["error: --key: cannot read \(keyFile)"], 1)
        }
        do {
            return ([try JWKThumbprint.sha256(pem: pem)], 0)
        } catch {
            return (error.problems.map { "error: \($0.keyPath): \($0.message)" }, 1)
        }
    }
}
