import GatewayProxy
import GatewayRules
public import Logging

/// `gateway run`: runs the gateway and turns how it ended into log lines and an exit status.
public enum RunCommand {
    /// 0 after a shutdown signal (during start-up too); 1 for invalid rules, a listener that
    /// cannot bind, or any other failure — each logged, the last line `exiting` with the status.
    public static func run(rulesPath: String, logger: Logger) async -> Int32 {
        let status: Int32
        do {
            try await GatewayRuntime(rulesPath: rulesPath, logger: logger).run()
            status = 0
        } catch let error as RulesError {
            // The same lines as `gateway check` in the text format; one log record each in JSON.
            for diagnostic in error.diagnostics {
                if OperationalLog.format == .json { logger.error("\(diagnostic)") } else { printError(diagnostic.description) }
            }
            status = 1
        } catch let error as ListenError {
            for failure in error.failures { logger.error("\(failure)") }
            status = 1
        } catch {
            logger.error("\(error)")
            status = 1
        }
        logger.info("exiting", metadata: ["status": "\(status)"])
        return status
    }
}
