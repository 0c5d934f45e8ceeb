import GatewayAudit
import GatewayMetrics
import GatewayPolicy
import Prometheus
import GatewayProxy
import GatewayRules
import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads the rules file on SIGHUP (SPEC §7): validate, then swap atomically; an invalid file
/// keeps the running rules and logs each problem. `listen`, `threads` and `admin.listen` need a
/// restart: a reload that changes them keeps the old values and warns.
struct ReloadService: Service {
    let rulesPath: String
    let running: Rules
    let auditLog: AuditLog
    let server: ProxyServer
    let metrics: GatewayMetrics
    let logger: Logger

    func run() async throws {
        var current = self.running
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            // logrotate's create mode: the audit file is reopened whether or not the rules changed.
            self.auditLog.reopen()
            if let next = self.reload(replacing: current) { current = next }
        }
    }

    /// Loads and applies the rules file; returns the rules now in force, or nil if unchanged.
    func reload(replacing current: Rules) -> Rules? {
        let loaded: LoadedRules
        let policy: Policy
        do {
            (loaded, policy) = try RulesFile.compile(self.rulesPath)
        } catch {
            for diagnostic in error.diagnostics { self.logger.error("\(diagnostic)") }
            self.logger.error("reload failed: the running rules stay in force")
            self.metrics.reloadsFailed.increment()
            return nil
        }
        for warning in loaded.warnings { self.logger.warning("\(warning)") }
        var rules = loaded.rules
        Self.keepRestartOnlySettings(of: current, in: &rules, logger: self.logger)
        do {
            self.server.apply(try ProxyConfiguration(rules: rules, policy: policy, auditSink: self.auditLog))
        } catch {
            self.logger.error("reload failed: \(error); the running rules stay in force")
            self.metrics.reloadsFailed.increment()
            return nil
        }
        self.metrics.reloadsSucceeded.increment()
        self.logger.info("rules reloaded", metadata: ["routes": "\(rules.routes.count)"])
        return rules
    }

    static func keepRestartOnlySettings(of current: Rules, in rules: inout Rules, logger: Logger) {
        if rules.server.listen != current.server.listen {
            logger.warning("server.listen changed: a restart is needed; keeping \(current.server.listen)")
            rules.server.listen = current.server.listen
        }
        if rules.server.threads != current.server.threads {
            logger.warning("server.threads changed: a restart is needed; keeping \(current.server.threads)")
            rules.server.threads = current.server.threads
        }
        if rules.audit != current.audit {
            logger.warning("audit settings changed: a restart is needed; keeping the running ones")
            rules.audit = current.audit
        }
        if rules.admin != current.admin {
            logger.warning("admin.listen changed: a restart is needed; keeping the running value")
            rules.admin = current.admin
        }
    }
}
