import GatewayAudit
import GatewayCredentials
import GatewayMetrics
import GatewayPolicy
import GatewayRules
import Logging
import NIOCore

/// What one event loop owns: its view of the configuration, its upstream pools, its request-id
/// generator and its open connections. Only ever touched on that loop, so nothing here is
/// locked; a reload hands each loop the new configuration by a task on the loop.
final class LoopContext {
    let eventLoop: any EventLoop
    private(set) var configuration: ProxyConfiguration
    private var pools: [String: UpstreamPool] = [:]
    /// The pool `pool(for:of:)` returned last and the target it was asked for: consecutive
    /// requests to one target find it without hashing the pool key.
    private var lastPool: (target: ResolvedUpstream.Target, pool: UpstreamPool)?
    private var roundRobin: [String: Int] = [:]
    private var coolingDown: [String: Int64] = [:]
    var requestIDs = RequestIDGenerator()
    let metrics: LoopMetrics
    /// For events an operator must see that no request's audit record explains, such as a target
    /// starting its cool-down.
    let logger: Logger
    /// This loop's verified-token cache: no lock, emptied on reload (SPEC §7).
    let tokenCache = PolicyTokenCache(capacity: LoopContext.tokenCacheCapacity)
    static let tokenCacheCapacity = 10_000
    private var reportedCacheHits: UInt64 = 0
    private var reportedCacheMisses: UInt64 = 0
    /// Client connections (HTTP/1.1 and HTTP/2 alike), for their deadlines and the drain.
    private var connections: [ObjectIdentifier: any ClientConnection] = [:]
    /// Set while the audit sink is over its high-water mark: every connection of this loop holds
    /// its reads until the sink has caught up (the request path waits; no record is dropped).
    private(set) var isAuditOverloaded = false

    /// Set once shutdown began: new requests are answered 503 `shutting_down`.
    private(set) var isDraining = false
    private var drained: EventLoopPromise<Void>?
    private var sweeper: Scheduled<Void>?
    /// How often connections' deadlines (head, idle, upstream response) are checked.
    static let sweepInterval = TimeAmount.milliseconds(100)

    init(eventLoop: any EventLoop, configuration: ProxyConfiguration, metrics: GatewayMetrics, logger: Logger) {
        self.eventLoop = eventLoop
        self.configuration = configuration
        self.metrics = LoopMetrics(shared: metrics)
        self.logger = logger
    }

    var connectionCount: Int { self.connections.count }

    /// Installs a new configuration; pools of targets no longer named are emptied.
    func apply(_ configuration: ProxyConfiguration) {
        self.configuration = configuration
        self.tokenCache.removeAll()
        self.lastPool = nil
        let live = Set(configuration.upstreams.values.flatMap { upstream in upstream.targets.map(\.poolKey) })
        for (label, pool) in self.pools where !live.contains(label) {
            pool.closeIdle()
            self.pools[label] = nil
        }
    }

    /// The next target of `upstream` in round-robin order, skipping targets that refused a
    /// connection less than `coolDown` ago (passive health). When every target is cooling down,
    /// the one whose cool-down ends first is tried anyway (as nginx never takes its last server
    /// out): a passing fault never turns into refusing everything for the whole cool-down.
    func nextTarget(of upstream: ResolvedUpstream) -> ResolvedUpstream.Target {
        let count = upstream.targets.count
        // One target and none cooling down: the loop below would pick it; no counter to keep.
        if count == 1, self.coolingDown.isEmpty { return upstream.targets[0] }
        let name = upstream.rule.name
        let start = self.roundRobin[name, default: 0]
        let now = self.coolingDown.isEmpty ? 0 : Clock.monotonicNanoseconds()
        var soonest: (index: Int, until: Int64)?
        for offset in 0..<count {
            let index = (start &+ offset) % count
            let target = upstream.targets[index]
            if let until = self.coolingDown[target.label] {
                if now < until {
                    if soonest == nil || until < soonest!.until { soonest = (index, until) }
                    continue
                }
                self.coolingDown[target.label] = nil
            }
            self.roundRobin[name] = (index &+ 1) % count
            return target
        }
        let index = soonest?.index ?? start % count
        self.roundRobin[name] = (index &+ 1) % count
        return upstream.targets[index]
    }

    /// A target refused a connection (or its TLS handshake failed): its share goes to the others
    /// for `coolDown`.
    /// Returns whether the target was in use until now (false when it was cooling down already
    /// and was only tried because every target was).
    @discardableResult
    func markUnavailable(_ target: ResolvedUpstream.Target) -> Bool {
        let now = Clock.monotonicNanoseconds()
        let wasAvailable = self.coolingDown[target.label].map { $0 <= now } ?? true
        self.coolingDown[target.label] = now + Self.coolDown
        return wasAvailable
    }

    /// How long a target that refused a connection is skipped (10 s, as nginx's `fail_timeout`).
    static let coolDown: Int64 = 10_000_000_000

    /// This loop's pool for `target` (pools are per upstream and target, `Target.poolKey`).
    func pool(for target: ResolvedUpstream.Target, of upstream: ResolvedUpstream) -> UpstreamPool {
        if let last = self.lastPool, last.target === target { return last.pool }
        let key = target.poolKey
        let pool: UpstreamPool
        if let existing = self.pools[key] {
            pool = existing
        } else {
            pool = UpstreamPool(target: target, eventLoop: self.eventLoop, limits: self.configuration.limits.upstreamHTTP1)
            self.pools[key] = pool
        }
        self.lastPool = (target, pool)
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

    /// Tracks a client connection until it closes (`gateway_connections_active`).
    func register(_ connection: any ClientConnection) {
        self.startSweeping()
        self.connections[ObjectIdentifier(connection)] = connection
        self.metrics.connectionOpened()
        if self.isDraining { connection.beginDrain() }
    }

    private func completeDrainIfIdle() {
        if self.isDraining, self.connections.isEmpty { self.drained?.succeed() }
    }

    func deregister(_ connection: any ClientConnection) {
        guard self.connections.removeValue(forKey: ObjectIdentifier(connection)) != nil else { return }
        self.metrics.connectionClosed()
        self.completeDrainIfIdle()
    }

    /// Completes once draining began and the last connection closed.
    func whenDrained() -> EventLoopFuture<Void> {
        if let drained = self.drained { return drained.futureResult }
        let promise = self.eventLoop.makePromise(of: Void.self)
        self.drained = promise
        self.completeDrainIfIdle()
        return promise.futureResult
    }

    /// Shutdown, first stage: idle connections close, busy ones close after their response.
    func beginDrain() {
        self.isDraining = true
        // HTTP/2 connections send GOAWAY: no new streams; open ones finish (within
        // `shutdown_grace`).
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

/// A client connection its event loop tracks: its deadlines are checked on the loop's tick,
/// and it is told when shutdown begins and when `shutdown_grace` ends.
protocol ClientConnection: AnyObject {
    /// Checks `header_timeout`, `idle_timeout` and upstream `response_timeout`.
    func checkDeadlines(now: Int64)
    /// Shutdown began: close when idle, else after the responses in flight.
    func beginDrain()
    /// `shutdown_grace` passed: what still runs is answered 503 or cut.
    func abort()
    /// The audit sink caught up: reads held for it may resume.
    func resumeReadsIfPossible()
}
