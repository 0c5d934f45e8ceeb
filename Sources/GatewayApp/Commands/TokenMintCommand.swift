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

        public init(
            keyFile: String,
            algorithm: String,
            keyID: String? = nil,
            subject: String? = nil,
            issuer: String? = nil,
            audience: String? = nil,
            scope: String? = nil,
            ttl: String = "15m",
            withJTI: Bool = false
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
                scopeClaim: options.scope == nil ? nil : "scope"
            )
            return ([try signer.sign(claims)], 0)
        } catch let error as KeyLoadError {
            return (error.problems.map { "error: \($0.keyPath == "--key" ? "--key" : $0.keyPath): \($0.message)" }, 1)
        } catch {
            return (["error: signing failed"], 1)
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
