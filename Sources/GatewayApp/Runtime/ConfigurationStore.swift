import GatewayAudit
import GatewayMetrics
import GatewayPolicy
import GatewayProxy
import GatewayReplay
import GatewayRules
import Logging
import Prometheus

/// The rules in force and the JWK Sets fetched so far, and the one place that turns them into
/// the proxy's configuration: a SIGHUP reload and a JWKS refresh both go through it, one at a
/// time, so neither can undo the other.
actor ConfigurationStore {
    private(set) var rules: Rules
    private(set) var fetchedJWKS: [String: [UInt8]]
    private(set) var policy: Policy
    let rulesPath: String
    let server: ProxyServer
    let auditLog: any AuditSink
    private var keyWaiters: [(String, CheckedContinuation<Void, Never>)] = []
    let shared: SharedState
    let metrics: GatewayMetrics
    let logger: Logger
    let unknownKeyObserver: @Sendable (String) -> Void

    init(
        rulesPath: String,
        rules: Rules,
        policy: Policy,
        fetchedJWKS: [String: [UInt8]],
        shared: SharedState,
        server: ProxyServer,
        auditLog: any AuditSink,
        metrics: GatewayMetrics,
        logger: Logger,
        unknownKeyObserver: @escaping @Sendable (String) -> Void
    ) {
        self.rulesPath = rulesPath
        self.rules = rules
        self.policy = policy
        self.fetchedJWKS = fetchedJWKS
        self.shared = shared
        self.server = server
        self.auditLog = auditLog
        self.metrics = metrics
        self.logger = logger
        self.unknownKeyObserver = unknownKeyObserver
    }


    /// SIGHUP (SPEC §7): loads, validates and swaps in the rules file; an invalid file keeps the
    /// running rules, logs each problem and counts `result="error"`.
    @discardableResult
    func reload() -> Bool {
        let loaded: LoadedRules
        let policy: Policy
        do {
            loaded = try RulesFile.load(self.rulesPath)
            policy = try RulesFile.compile(loaded, fetchedJWKS: self.fetchedJWKS)
        } catch {
            for diagnostic in error.diagnostics { self.logger.error("\(diagnostic)") }
            self.logger.error("reload failed: the running rules stay in force")
            self.metrics.reloadsFailed.increment()
            return false
        }
        for warning in loaded.warnings { self.logger.warning("\(warning)") }
        var rules = loaded.rules
        Self.keepRestartOnlySettings(of: self.rules, in: &rules, logger: self.logger)
        guard self.install(rules: rules, policy: policy) else {
            self.metrics.reloadsFailed.increment()
            return false
        }
        self.metrics.reloadsSucceeded.increment()
        self.logger.info("rules reloaded", metadata: ["routes": "\(rules.routes.count)"])
        return true
    }

    /// A JWK Set fetched anew: when it changed, the policy is rebuilt with it (the token cache
    /// is emptied with the new configuration).
    func updateJWKS(url: String, bytes: [UInt8]) {
        guard self.fetchedJWKS[url] != bytes else { return }
        var fetched = self.fetchedJWKS
        fetched[url] = bytes
        let policy: Policy
        do {
            policy = try Policy(rules: self.rules, fetchedJWKS: fetched)
        } catch {
            // The new set does not load: keep the last good one (and say why).
            self.logger.error("JWK Set from \(url) refused: \(error); keeping the last good set")
            return
        }
        if self.install(rules: self.rules, policy: policy) {
            self.fetchedJWKS = fetched
            self.logger.info("JWK Set refreshed", metadata: ["url": "\(url)", "keys": "\(policy.jwtKeyCount)"])
        }
    }

    /// The `url` JWK Set sources of the rules in force, with their refresh intervals.
    var jwksSources: [(url: String, refresh: Duration)] {
        self.rules.jwks.compactMap {
            if case .url(let url, let refresh) = $0.source { return (url, refresh) }
            return nil
        }
    }

    func hasJWTKey(_ kid: String) -> Bool { self.policy.hasJWTKey(kid) }

    private func install(rules: Rules, policy: Policy) -> Bool {
        do {
            let configuration = try ProxyConfiguration(
                rules: rules,
                policy: policy,
                auditSink: self.auditLog,
                nonceStore: try self.shared.nonceStore(for: rules),
                rateLimiter: try self.shared.rateLimiter(for: rules),
                unknownKeyObserver: self.unknownKeyObserver
            )
            self.server.apply(configuration)
        } catch {
            self.logger.error("configuration not applied: \(error); the running one stays in force")
            return false
        }
        self.rules = rules
        self.policy = policy
        let ready = self.keyWaiters.filter { policy.hasJWTKey($0.0) }
        self.keyWaiters.removeAll { policy.hasJWTKey($0.0) }
        if !ready.isEmpty {
            // "In force" means every event loop has it, not only this snapshot.
            let server = self.server
            Task {
                await server.waitUntilApplied()
                for (_, waiter) in ready { waiter.resume() }
            }
        }
        return true
    }

    /// Returns once a JWT key with `kid` is in force (for tests and for operators' tools).
    func waitUntilKnown(_ kid: String) async {
        if self.policy.hasJWTKey(kid) { return }
        await withCheckedContinuation { self.keyWaiters.append((kid, $0)) }
    }

    /// `listen`, `threads`, `admin.listen` and the audit sink need a restart (SPEC §9 "Reload").
    static func keepRestartOnlySettings(of current: Rules, in rules: inout Rules, logger: Logger) {
        if rules.server.listen != current.server.listen {
            logger.warning("server.listen changed: a restart is needed; keeping \(current.server.listen)")
            rules.server.listen = current.server.listen
        }
        if (rules.server.tls == nil) != (current.server.tls == nil) {
            logger.warning("server.tls added or removed: a restart is needed; certificate changes alone take effect on reload")
            rules.server.tls = current.server.tls
        }
        if rules.server.threads != current.server.threads {
            logger.warning("server.threads changed: a restart is needed; keeping \(current.server.threads)")
            rules.server.threads = current.server.threads
        }
        if rules.audit != current.audit {
            logger.warning("audit settings changed: a restart is needed; keeping the running ones")
            rules.audit = current.audit
        }
        if rules.replay.capacity != current.replay.capacity || rules.replay.store != current.replay.store {
            logger.warning("replay.capacity or replay.store changed: the replay store survives a reload; restart to change it")
        }
        if rules.admin != current.admin {
            logger.warning("admin.listen changed: a restart is needed; keeping the running value")
            rules.admin = current.admin
        }
    }
}
