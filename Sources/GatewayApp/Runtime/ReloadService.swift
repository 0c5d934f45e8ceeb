import GatewayAudit
import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads the rules file on SIGHUP (SPEC §7) and reopens the audit file (logrotate's create
/// mode), until graceful shutdown. `signals` traps SIGHUP from the start of `gateway run`: one
/// that came during start-up is acted on as soon as this service runs, never lost.
struct ReloadService: Service {
    let store: ConfigurationStore
    let auditLog: AuditLog
    let signals: UnixSignalsSequence

    func run() async throws {
        for await _ in self.signals.cancelOnGracefulShutdown() {
            self.auditLog.reopen()
            await self.store.reload()
        }
    }
}
