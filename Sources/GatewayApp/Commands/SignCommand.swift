import Foundation
import GatewayCredentials
import GatewayRules

/// `gateway sign`: the `Signature-Input`, `Signature` and (with a body) `Content-Digest` headers
/// of an RFC 9421 signed request, with a fresh `nonce` and `created` (SPEC §1).
public enum SignCommand {
    public struct Options: Sendable {
        public var keyID: String
        public var secretFile: String?
        public var privateKey: String?
        public var algorithm: String?
        public var method: String
        public var url: String
        public var bodyFile: String?

        public init(
            keyID: String,
            secretFile: String? = nil,
            privateKey: String? = nil,
            algorithm: String? = nil,
            method: String,
            url: String,
            bodyFile: String? = nil
        ) {
            self.keyID = keyID
            self.secretFile = secretFile
            self.privateKey = privateKey
            self.algorithm = algorithm
            self.method = method
            self.url = url
            self.bodyFile = bodyFile
        }
    }

    /// The header lines (`Name: value`), ready for `curl -H`.
    public static func run(_ options: Options, now: Int64? = nil) -> (lines: [String], status: Int32) {
        let now = now ?? Int64(Date().timeIntervalSince1970)
        guard (options.secretFile == nil) != (options.privateKey == nil) else {
            return (["error: give exactly one of --secret-file and --private-key"], 1)
        }
        var algorithm: SignatureAlgorithm?
        if let name = options.algorithm {
            guard let known = SignatureAlgorithm(rawValue: name) else {
                let names = SignatureAlgorithm.allCases.map(\.rawValue).joined(separator: " ")
                return (["error: --alg: unknown algorithm \"\(name)\"; use one of \(names)"], 1)
            }
            algorithm = known
        }
        guard let request = SignedRequest(method: options.method.uppercased(), url: options.url) else {
            return (["error: --url: \"\(options.url)\" is not an absolute http(s) URL"], 1)
        }
        var body: [UInt8]?
        if let bodyFile = options.bodyFile {
            guard let data = FileManager.default.contents(atPath: bodyFile) else {
                return (["error: --body-file: cannot read \(bodyFile)"], 1)
            }
            body = Array(data)
        }
        do {
            let signer = try Self.signer(options, algorithm: algorithm)
            let headers = try signer.sign(request, content: body, created: now)
            return (headers.fields.map { "\($0.name): \($0.value)" }, 0)
        } catch let error as KeyLoadError {
            return (error.problems.map { "error: \($0.keyPath): \($0.message)" }, 1)
        } catch {
            return (["error: \(error)"], 1)
        }
    }

    private static func signer(_ options: Options, algorithm: SignatureAlgorithm?) throws -> RequestSigner {
        if let path = options.secretFile {
            guard algorithm == nil || algorithm == .hmacSHA256 else {
                throw KeyLoadError(problems: [.init(keyPath: "--alg", message: "a secret signs only hmac-sha256")])
            }
            guard var secret = FileManager.default.contents(atPath: path).map(Array.init) else {
                throw KeyLoadError(problems: [.init(keyPath: "--secret-file", message: "cannot read \(path)")])
            }
            // As `secret_file` (SPEC §2): the file's bytes less one trailing newline.
            if secret.last == 0x0A { secret.removeLast() }
            return try RequestSigner(keyID: options.keyID, secret: secret)
        }
        let path = options.privateKey ?? ""
        guard let pem = FileManager.default.contents(atPath: path).flatMap({ String(data: $0, encoding: .utf8) }) else {
            throw KeyLoadError(problems: [.init(keyPath: "--private-key", message: "cannot read \(path)")])
        }
        return try RequestSigner(keyID: options.keyID, privateKeyPEM: pem, algorithm: algorithm)
    }
}
