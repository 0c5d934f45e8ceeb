import Foundation
import GatewayCredentials
import GatewayRules

/// `gateway token mint`: signs a JWT for operators and tests (SPEC §1).
public enum TokenMintCommand {
    public struct Options: Sendable {
        public var keyFile: String
        public var algorithm: String
        public var keyID: String?
        public var subject: String?
        public var issuer: String?
        public var audience: String?
        public var scope: String?
        public var ttl: String
        public var withJTI: Bool
        /// `--jkt`: binds the token to a DPoP key (`cnf.jkt`, RFC 9449 §6.1).
        public var jkt: String?

        public init(
            keyFile: String,
            algorithm: String,
            keyID: String? = nil,
            subject: String? = nil,
            issuer: String? = nil,
            audience: String? = nil,
            scope: String? = nil,
            ttl: String = "15m",
            withJTI: Bool = false,
            jkt: String? = nil
        ) {
            self.keyFile = keyFile
            self.algorithm = algorithm
            self.keyID = keyID
            self.subject = subject
            self.issuer = issuer
            self.audience = audience
            self.scope = scope
            self.ttl = ttl
            self.withJTI = withJTI
            self.jkt = jkt
        }
    }

    /// The token, or an error line; `now` is seconds since 1970.
    public static func run(_ options: Options, now: Int64? = nil) -> (lines: [String], status: Int32) {
        let now = now ?? Int64(Date().timeIntervalSince1970)
        guard let algorithm = JWTAlgorithm(rawValue: options.algorithm) else {
            let known = JWTAlgorithm.allCases.map(\.rawValue).joined(separator: " ")
            return (["error: --alg: unknown algorithm \"\(options.algorithm)\"; use one of \(known)"], 1)
        }
        let ttl: Duration
        switch RulesText.duration(options.ttl) {
        case .success(let duration): ttl = duration
        case .failure(let error): return (["error: --ttl: \(error)"], 1)
        }
        if let jkt = options.jkt, !Self.isThumbprint(jkt) {
            return (["error: --jkt: not a SHA-256 JWK thumbprint (43 base64url characters; see gateway dpop thumbprint)"], 1)
        }
        guard let contents = FileManager.default.contents(atPath: options.keyFile) else {
            return (["error: --key: cannot read \(options.keyFile)"], 1)
        }
        // The kid defaults to the key file's name without its extensions (`auth-es256.pem` → `auth-es256`).
        let keyID = options.keyID
            ?? URL(fileURLWithPath: options.keyFile).lastPathComponent.split(separator: ".").first.map(String.init)
            ?? "key"
        do {
            let signer = try JWTSigner(algorithm: algorithm, keyFileContents: Array(contents), keyID: keyID)
            let claims = JWTClaims(
                iss: options.issuer,
                sub: options.subject,
                aud: options.audience.map { [$0] },
                exp: now + ttl.components.seconds,
                iat: now,
                jti: options.withJTI ? Self.randomJTI() : nil,
                scopes: options.scope.map { $0.split(separator: " ").map(String.init) } ?? [],
                scopeClaim: options.scope == nil ? nil : "scope",
                jkt: options.jkt
            )
            return ([try signer.sign(claims)], 0)
        } catch let error as KeyLoadError {
            return (error.problems.map { "error: \($0.keyPath == "--key" ? "--key" : $0.keyPath): \($0.message)" }, 1)
        } catch {
            return (["error: signing failed"], 1)
        }
    }

    /// An RFC 7638 SHA-256 thumbprint as `cnf.jkt` holds it: 32 bytes, base64url without padding.
    static func isThumbprint(_ text: String) -> Bool {
        text.utf8.count == 43
            && text.utf8.allSatisfy {
                ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D
                    || $0 == 0x5F
            }
    }

    /// 128 random bits, base64url: unique enough to serve as a one-time `jti`.
    static func randomJTI() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
