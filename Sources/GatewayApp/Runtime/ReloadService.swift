import GatewayAudit
import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads the rules file on SIGHUP (SPEC §7) and reopens the audit file (logrotate's create
/// mode), until graceful shutdown.
struct ReloadService: Service {
    let store: ConfigurationStore
    let auditLog: AuditLog

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            self.auditLog.reopen()
            await self.store.reload()
        }
    }
}
