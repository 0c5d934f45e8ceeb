import ArgumentParser
import GatewayApp
import GatewayRules
import Logging

// The `gateway` command line (SPEC §1). Commands parse arguments and call GatewayApp.

@main
struct Gateway: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "A token-enforcing API gateway: verifies credentials, forwards what is allowed, audits everything.",
        subcommands: [Run.self, Check.self, Demo.self, Audit.self],
        defaultSubcommand: Run.self
    )
}

/// Options shared by the commands that read a rules file.
struct RulesOption: ParsableArguments {
    @Option(name: [.short, .customLong("config")], help: "The rules file.")
    var config: String = "./gateway.conf"
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

    func run() async throws {
        let logger = OperationalLog.bootstrap(label: "gateway")
        ignoreBrokenPipes()
        do {
            try await GatewayRuntime(rulesPath: self.rules.config, logger: logger).run()
        } catch let error as RulesError {
            for diagnostic in error.diagnostics { printError(diagnostic.description) }
            throw ExitCode(1)
        }
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Validate a rules file, like nginx -t.")

    @OptionGroup var rules: RulesOption

    func run() throws {
        let (lines, status) = RulesCheck.run(path: self.rules.config)
        for line in lines { print(line) }
        if status != 0 { throw ExitCode(status) }
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start a built-in echo upstream and the gateway on 127.0.0.1:8080 with a demo configuration."
    )

    @Option(help: "The port the demo gateway listens on.")
    var port: Int = 8080

    func run() async throws {
        let logger = OperationalLog.bootstrap(label: "gateway")
        try await DemoRunner(listenPort: self.port, logger: logger).run()
    }
}
