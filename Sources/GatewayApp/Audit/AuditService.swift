import GatewayAudit
import GatewayMetrics
import GatewayRules
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization

/// Runs the audit log as a service: it lives until graceful shutdown reaches it — after the
/// proxy drained — then flushes, fsyncs and closes, so every accepted record is on disk when
/// `gateway run` exits (SPEC §5).
struct AuditService: Service {
    let log: AuditLog

    func run() async throws {
        try? await gracefulShutdown()
        await self.log.shutdown()
    }

    /// The audit log the rules' `[audit]` section describes.
    static func makeLog(_ rules: AuditRules, logger: Logger) throws -> AuditLog {
        let destination: AuditLog.Configuration.Destination
        switch rules.sink {
        case .stdout: destination = .standardOutput
        case .file(let path): destination = .file(path: path)
        }
        return try AuditLog(
            configuration: AuditLog.Configuration(destination: destination, hashChain: rules.hashChain),
            logger: logger
        )
    }

    /// Feeds the writer's figures into the metrics at each scrape.
    static func exportMetrics(of log: AuditLog, to metrics: GatewayMetrics) {
        let lastWritten = Mutex(0)
        metrics.addCollector {
            let written = log.recordsWritten
            let delta = lastWritten.withLock { last in
                defer { last = written }
                return written - last
            }
            if delta > 0 { metrics.auditRecords.increment(by: Int64(delta)) }
            metrics.auditQueueDepth.set(Int64(log.queueDepth))
        }
    }
}
