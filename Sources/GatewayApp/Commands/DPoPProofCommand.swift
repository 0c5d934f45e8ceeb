import Foundation
import GatewayCredentials
import GatewayRules

/// `gateway dpop proof`: a DPoP proof (RFC 9449 §4.2) for one request, printed as the `DPoP:`
/// header line to send with `Authorization: DPoP <token>`, so an operator can try a bound
/// route with curl (SPEC §10). Each run makes a fresh `jti` and takes `iat` from the clock: a
/// proof is single-use.
public enum DPoPProofCommand {
    public struct Options: Sendable {
        /// The client's private key PEM (EC P-256 / P-384, Ed25519 or RSA).
        public var keyFile: String
        public var method: String
        /// The absolute URL the request goes to; its query and fragment are left out of `htu`.
        public var url: String
        /// The access token the proof accompanies (`ath` is its SHA-256).
        public var token: String
        /// The JWS algorithm; default: the key's own (ES256, ES384, EdDSA, PS256 for RSA).
        public var algorithm: String?

        public init(keyFile: String, method: String, url: String, token: String, algorithm: String? = nil) {
            self.keyFile = keyFile
            self.method = method
            self.url = url
            self.token = token
            self.algorithm = algorithm
        }
    }

    /// The `DPoP: …` line, or error lines. `now` (seconds since 1970) and `jti` are for tests.
    public static func run(_ options: Options, now: Int64? = nil, jti: String? = nil) -> (lines: [String], status: Int32) {
        var algorithm: JWTAlgorithm?
        if let name = options.algorithm {
            let names = DPoPRules.defaultAlgorithms.map(\.rawValue) + ["ES384", "RS384", "RS512", "PS384", "PS512"]
            guard let known = JWTAlgorithm(rawValue: name), !known.isHMAC else {
                return (["error: --alg: \"\(name)\" is not an asymmetric JWS algorithm; use one of \(names.joined(separator: " "))"], 1)
            }
            algorithm = known
        }
        let method = options.method.uppercased()
        guard !method.isEmpty, DPoPRequest(method: method, url: options.url) != nil else {
            return (["error: --url: \"\(options.url)\" is not an absolute http(s) URL"], 1)
        }
        let token = options.token.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { return (["error: --token: the access token is empty"], 1) }
        guard let pem = FileManager.default.contents(atPath: options.keyFile).flatMap({ String(data: $0, encoding: .utf8) })
        else { return (["error: --key: cannot read \(options.keyFile)"], 1) }
        do {
            let signer = try DPoPProofSigner(privateKeyPEM: pem, algorithm: algorithm)
            let proof = try signer.proof(
                method: method,
                url: options.url,
                accessToken: token,
                issuedAt: now ?? Int64(Date().timeIntervalSince1970),
                jti: jti ?? DPoPProofSigner.randomJTI()
            )
            return (["DPoP: \(proof)"], 0)
        } catch let error as KeyLoadError {
            return (error.problems.map { "error: \($0.keyPath): \($0.message)" }, 1)
        } catch {
            return (["error: signing failed"], 1)
        }
    }
}
