import ArgumentParser
import GatewayApp
import GatewayRules
import Foundation
import Logging

// The `gateway` command line (SPEC §1). Commands parse arguments and call GatewayApp.

@main
struct Gateway: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "A token-enforcing API gateway: verifies credentials, forwards what is allowed, audits everything.",
        version: GatewayVersion.description,
        subcommands: [Run.self, Check.self, Explain.self, Demo.self, Key.self, Token.self, Sign.self, DPoP.self, Audit.self],
        defaultSubcommand: Run.self
    )
}

/// Options shared by the commands that read a rules file.
struct RulesOption: ParsableArguments {
    @Option(name: [.short, .customLong("config")], help: "The rules file.")
    var config: String = "./gateway.conf"
}

struct Explain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate the rules for one request, offline: the route, every check, the decision."
    )

    @OptionGroup var rules: RulesOption
    @Option(help: "The request method.") var method: String = "GET"
    @Option(help: "The request URL, as a client would call it.") var url: String
    @Option(name: [.customShort("H"), .customLong("header")], help: "A request header, 'Name: value' (repeatable).")
    var headers: [String] = []

    func run() async throws {
        // `[[jwks]] url` sets are fetched as `run` fetches them, so tokens are judged as `run` would.
        let fetched = await RulesFile.fetchJWKS(for: self.rules.config)
        let (lines, status) = ExplainCommand.run(
            rulesPath: self.rules.config,
            method: self.method,
            url: self.url,
            headers: self.headers,
            fetchedJWKS: fetched.sets
        )
        for problem in fetched.problems { printError("warning: \(problem)") }
        for line in lines { print(line) }
        if status != 0 { throw ExitCode(status) }
    }
}

struct Key: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage API keys.", subcommands: [KeyNew.self])
}

struct KeyNew: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Print a fresh API key and the [[api_keys]] block holding only its hash."
    )

    @Option(help: "The key's id (shown in audit records and X-Auth-Credential).") var id: String?
    @Option(help: "Comma-separated scopes the key grants.") var scopes: String = ""
    @Option(help: "The key's prefix, which makes keys recognisable in secret scanners.") var prefix: String = "gk"
    @Option(
        name: .customLong("key-file"),
        help: "Write the key to this new file (mode 0600) and print only the TOML block, ready for >> gateway.conf."
    )
    var keyFile: String?

    func run() throws {
        let scopes = self.scopes.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        let (lines, status) = KeyNewCommand.run(id: self.id, scopes: scopes, prefix: self.prefix, keyFile: self.keyFile)
        // A failure must not land in a rules file the output is appended to.
        for line in lines { if status == 0 { print(line) } else { printError(line) } }
        if status != 0 { throw ExitCode(status) }
    }
}

struct Token: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Work with JWTs.", subcommands: [TokenMint.self])
}

struct TokenMint: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mint", abstract: "Sign a JWT, for operators and tests.")

    @Option(help: "A private key PEM, or for HS* a file holding the secret.") var key: String
    @Option(help: "The algorithm: HS256 … EdDSA.") var alg: String
    @Option(help: "The kid header (default: the key file's name without extension).") var kid: String?
    @Option(help: "The sub claim.") var sub: String?
    @Option(help: "The iss claim.") var iss: String?
    @Option(help: "The aud claim.") var aud: String?
    @Option(help: "Space-separated scopes (the scope claim).") var scope: String?
    @Option(help: "Lifetime: exp = iat + ttl.") var ttl: String = "15m"
    @Flag(help: "Add a random jti (one-time tokens for replay-protected routes).") var jti = false
    @Option(help: "Bind the token to a DPoP key: its RFC 7638 thumbprint (cnf.jkt; gateway dpop thumbprint).") var jkt: String?

    func run() throws {
        let options = TokenMintCommand.Options(
            keyFile: self.key,
            algorithm: self.alg,
            keyID: self.kid,
            subject: self.sub,
            issuer: self.iss,
            audience: self.aud,
            scope: self.scope,
            ttl: self.ttl,
            withJTI: self.jti,
            jkt: self.jkt
        )
        let (lines, status) = TokenMintCommand.run(options)
        for line in lines { print(line) }
        if status != 0 { throw ExitCode(status) }
    }
}

struct Sign: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the Signature-Input, Signature (and Content-Digest) headers of an RFC 9421 signed request."
    )

    @Option(name: .customLong("key-id"), help: "The signature's keyid: a [[signing_keys]] id.") var keyID: String
    @Option(name: .customLong("secret-file"), help: "An HMAC secret file (hmac-sha256).") var secretFile: String?
    @Option(name: .customLong("private-key"), help: "A private key PEM (ed25519, P-256 or RSA).") var privateKey: String?
    @Option(help: "The algorithm; default: the key's own.") var alg: String?
    @Option(help: "The request method.") var method: String
    @Option(help: "The request URL.") var url: String
    @Option(name: .customLong("body-file"), help: "The request body, to cover with Content-Digest.") var bodyFile: String?

    func run() throws {
        let options = SignCommand.Options(
            keyID: self.keyID,
            secretFile: self.secretFile,
            privateKey: self.privateKey,
            algorithm: self.alg,
            method: self.method,
            url: self.url,
            bodyFile: self.bodyFile
        )
        let (lines, status) = SignCommand.run(options)
        for line in lines { print(line) }
        if status != 0 { throw ExitCode(status) }
    }
}

// `gateway dpop …` (SPEC §10): the client side of DPoP, for trying bound routes with curl.
struct DPoP: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dpop",
        abstract: "Work with DPoP proofs (RFC 9449).",
        subcommands: [DPoPProof.self, DPoPThumbprint.self]
    )
}

struct DPoPProof: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proof",
        abstract: "Print the DPoP header line of a request: a fresh proof signed with the client's key."
    )

    @Option(help: "The client's private key PEM (P-256, P-384, Ed25519 or RSA).") var key: String
    @Option(help: "The request method.") var method: String
    @Option(help: "The request URL (query and fragment are not part of the proof).") var url: String
    @Option(help: "The access token sent with 'Authorization: DPoP'.") var token: String
    @Option(help: "The algorithm; default: the key's own (ES256, ES384, EdDSA, PS256).") var alg: String?

    func run() throws {
        let options = DPoPProofCommand.Options(
            keyFile: self.key,
            method: self.method,
            url: self.url,
            token: self.token,
            algorithm: self.alg
        )
        let (lines, status) = DPoPProofCommand.run(options)
        for line in lines { print(line) }
        if status != 0 { throw ExitCode(status) }
    }
}

struct DPoPThumbprint: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "thumbprint",
        abstract: "Print a key's RFC 7638 thumbprint: the cnf.jkt of tokens bound to it."
    )

    @Option(help: "A public or private key PEM (P-256, P-384, Ed25519 or RSA).") var key: String

    func run() throws {
        let (lines, status) = DPoPThumbprintCommand.run(keyFile: self.key)
        for line in lines { print(line) }
        if status != 0 { throw ExitCode(status) }
    }
}

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work with audit logs.",
        subcommands: [AuditVerify.self]
    )
}

struct AuditVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify the hash chain of audit files, in the order given (rotated files first)."
    )

    @Argument(help: "Audit files, oldest first: they are checked as one chain.")
    var files: [String]

    func run() throws {
        let (lines, status) = AuditVerifyCommand.run(paths: self.files)
        for line in lines { print(line) }
        if status != 0 { throw ExitCode(status) }
    }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the gateway in the foreground (the default command).")

    @OptionGroup var rules: RulesOption
    @OptionGroup var logging: LogOptions

    func run() async throws {
        let logger = self.logging.bootstrap()
        ignoreBrokenPipes()
        let status = await RunCommand.run(rulesPath: self.rules.config, logger: logger)
        if status != 0 { throw ExitCode(status) }
    }
}

/// `--log-level` and `--log-format` of the commands that serve.
struct LogOptions: ParsableArguments {
    enum Level: String, ExpressibleByArgument, CaseIterable {
        case trace, debug, info, notice, warning, error, critical
    }

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Option(name: .customLong("log-level"), help: "The least severe operational log lines written.")
    var level: Level = .info

    @Option(name: .customLong("log-format"), help: "text, or json: one JSON object per line.")
    var format: Format = .text

    func bootstrap() -> Logger {
        OperationalLog.bootstrap(
            label: "gateway",
            level: Logger.Level(rawValue: self.level.rawValue) ?? .info,
            format: OperationalLog.Format(rawValue: self.format.rawValue) ?? .text
        )
    }
}

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Validate a rules file, like nginx -t.")

    @OptionGroup var rules: RulesOption

    func run() async throws {
        let fetched = await RulesFile.fetchJWKS(for: self.rules.config)
        let (lines, status) = RulesCheck.run(path: self.rules.config, fetchedJWKS: fetched.sets, fetchProblems: fetched.problems)
        for line in lines { print(line) }
        if status != 0 { throw ExitCode(status) }
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start a built-in echo upstream and the gateway on 127.0.0.1:8080 with a demo configuration."
    )

    @Option(help: "The port the demo gateway listens on (with --echo-only: the echo upstream's port).")
    var port: Int = 8080

    @Flag(
        name: .customLong("echo-only"),
        help: "Start only the echo upstream on 127.0.0.1:PORT: an API that answers every request with what it received."
    )
    var echoOnly = false

    @OptionGroup var logging: LogOptions

    func run() async throws {
        let logger = self.logging.bootstrap()
        if self.echoOnly {
            let status = await EchoUpstream.serve(port: self.port, logger: logger)
            if status != 0 { throw ExitCode(status) }
            return
        }
        try await DemoRunner(listenPort: self.port, logger: logger).run()
    }
}
