import GatewayAudit
import GatewayCredentials
import GatewayMetrics
import GatewayRules
import NIOCore

/// What one event loop owns: its view of the configuration, its upstream pools, its request-id
/// generator and its open connections. Only ever touched on that loop, so nothing here is
/// locked; a reload hands each loop the new configuration by a task on the loop.
final class LoopContext {
    let eventLoop: any EventLoop
    private(set) var configuration: ProxyConfiguration
    private var pools: [String: UpstreamPool] = [:]
    private var roundRobin: [String: Int] = [:]
    var requestIDs = RequestIDGenerator()
    let metrics: LoopMetrics
    /// This loop's verified-token cache: no lock, emptied on reload (SPEC §7).
    let tokenCache = TokenCache(capacity: LoopContext.tokenCacheCapacity)
    static let tokenCacheCapacity = 10_000
    private var reportedCacheHits: UInt64 = 0
    private var reportedCacheMisses: UInt64 = 0
    private var connections: [ObjectIdentifier: DownstreamHandler] = [:]
    /// Set while the audit sink is over its high-water mark: every connection of this loop holds
    /// its reads until the sink has caught up (the request path waits; no record is dropped).
    private(set) var isAuditOverloaded = false

    /// Set once shutdown began: new requests are answered 503 `shutting_down`.
    private(set) var isDraining = false
    private var drained: EventLoopPromise<Void>?
    private var sweeper: Scheduled<Void>?
    /// How often connections' deadlines (head, idle, upstream response) are checked.
    static let sweepInterval = TimeAmount.milliseconds(100)

    init(eventLoop: any EventLoop, configuration: ProxyConfiguration, metrics: GatewayMetrics) {
        self.eventLoop = eventLoop
        self.configuration = configuration
        self.metrics = LoopMetrics(shared: metrics)
    }

    var connectionCount: Int { self.connections.count }

    /// Installs a new configuration; pools of targets no longer named are emptied.
    func apply(_ configuration: ProxyConfiguration) {
        self.configuration = configuration
        self.tokenCache.removeAll()
        let live = Set(configuration.upstreams.values.flatMap { $0.targets.map(\.label) })
        for (label, pool) in self.pools where !live.contains(label) {
            pool.closeIdle()
            self.pools[label] = nil
        }
    }

    /// The next target of `upstream` in round-robin order.
    func nextTarget(of upstream: ResolvedUpstream) -> ResolvedUpstream.Target {
        let name = upstream.rule.name
        let index = self.roundRobin[name, default: 0]
        self.roundRobin[name] = (index &+ 1) % upstream.targets.count
        return upstream.targets[index % upstream.targets.count]
    }

    /// This loop's pool for `target`.
    func pool(for target: ResolvedUpstream.Target) -> UpstreamPool {
        if let pool = self.pools[target.label] { return pool }
        let pool = UpstreamPool(target: target, eventLoop: self.eventLoop)
        self.pools[target.label] = pool
        return pool
    }

    /// Starts the tick that checks every connection's deadlines: one task per loop instead of
    /// a scheduled task per request and timeout (nginx's timer approach, coarsened).
    func startSweeping() {
        guard self.sweeper == nil else { return }
        self.sweeper = self.eventLoop.assumeIsolated().scheduleTask(in: Self.sweepInterval) {
            self.sweeper = nil
            let now = Clock.monotonicNanoseconds()
            for connection in Array(self.connections.values) { connection.checkDeadlines(now: now) }
            self.reportCacheCounts()
            self.startSweeping()
        }
    }

    /// Hands the cache's hit and miss counts to the shared metrics, a tick at a time.
    private func reportCacheCounts() {
        let hits = self.tokenCache.hits
        let misses = self.tokenCache.misses
        self.metrics.recordTokenCache(hits: hits &- self.reportedCacheHits, misses: misses &- self.reportedCacheMisses)
        self.reportedCacheHits = hits
        self.reportedCacheMisses = misses
    }

    /// The audit sink said it is overloaded: hold reads until it calls back.
    func auditOverloaded() {
        guard !self.isAuditOverloaded else { return }
        self.isAuditOverloaded = true
        let this = NIOLoopBound(self, eventLoop: self.eventLoop)
        self.configuration.auditSink.notifyWhenDrained(on: self.eventLoop) {
            let context = this.value
            context.isAuditOverloaded = false
            for connection in Array(context.connections.values) { connection.resumeReadsIfPossible() }
        }
    }

    func register(_ connection: DownstreamHandler) {
        self.startSweeping()
        self.connections[ObjectIdentifier(connection)] = connection
        self.metrics.connectionOpened()
        if self.isDraining { connection.beginDrain() }
    }

    func deregister(_ connection: DownstreamHandler) {
        guard self.connections.removeValue(forKey: ObjectIdentifier(connection)) != nil else { return }
        self.metrics.connectionClosed()
        if self.isDraining, self.connections.isEmpty { self.drained?.succeed() }
    }

    /// Completes once draining began and the last connection closed.
    func whenDrained() -> EventLoopFuture<Void> {
        if let drained = self.drained { return drained.futureResult }
        let promise = self.eventLoop.makePromise(of: Void.self)
        self.drained = promise
        if self.isDraining, self.connections.isEmpty { promise.succeed() }
        return promise.futureResult
    }

    /// Shutdown, first stage: idle connections close, busy ones close after their response.
    func beginDrain() {
        self.isDraining = true
        for connection in Array(self.connections.values) { connection.beginDrain() }
        for pool in self.pools.values { pool.closeIdle() }
    }

    /// Shutdown, last stage (`shutdown_grace` passed): whatever still runs is aborted.
    func abortAll() {
        for connection in Array(self.connections.values) { connection.abort() }
        for pool in self.pools.values { pool.closeIdle() }
    }
}

@available(*, unavailable)
extension LoopContext: Sendable {}
