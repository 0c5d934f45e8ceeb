import GatewayRules
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// Keeps `[[jwks]] url` sets fresh, off the request path (SPEC §2): each is fetched again
/// every `refresh`; a token whose `kid` no key has asks for an early refresh, granted at most
/// once per `minimumInterval` and never twice for a `kid` that the last refresh did not bring
/// (negative cache). A failed fetch keeps the last good set.
struct JWKSRefresher: Service {
    let store: ConfigurationStore
    let fetcher: HTTPSFetcher
    let requests: JWKSRefreshRequests
    let logger: Logger

    func run() async throws {
        var due: [String: ContinuousClock.Instant] = [:]
        let clock = ContinuousClock()
        for await event in self.requests.events(tick: .seconds(1)).cancelOnGracefulShutdown() {
            let sources = await self.store.jwksSources
            switch event {
            case .tick:
                for source in sources {
                    guard let when = due[source.url] else {
                        due[source.url] = clock.now + source.refresh
                        continue
                    }
                    guard clock.now >= when else { continue }
                    await self.refresh(source.url)
                    due[source.url] = clock.now + source.refresh
                }
            case .unknownKeyID(let kid):
                for source in sources {
                    await self.refresh(source.url)
                    due[source.url] = clock.now + source.refresh
                }
                if await !self.store.hasJWTKey(kid) { self.requests.rememberUnknown(kid) }
            }
        }
    }

    private func refresh(_ url: String) async {
        do {
            let bytes = try await self.fetcher.get(url)
            await self.store.updateJWKS(url: url, bytes: bytes)
        } catch {
            self.logger.warning("JWK Set fetch failed; keeping the last good set", metadata: ["url": "\(url)", "error": "\(error)"])
        }
    }

    /// Fetches every `url` source once, at start; a source that fails is left out (its keys are
    /// unknown until a refresh succeeds: requests using them fail closed).
    static func fetchAll(_ rules: [JWKSRule], fetcher: HTTPSFetcher, logger: Logger) async -> [String: [UInt8]] {
        var fetched: [String: [UInt8]] = [:]
        for rule in rules {
            guard case .url(let url, _) = rule.source else { continue }
            do {
                fetched[url] = try await fetcher.get(url)
            } catch {
                logger.error("JWK Set fetch failed at start; its keys are unknown until it succeeds", metadata: ["url": "\(url)", "error": "\(error)"])
            }
        }
        return fetched
    }
}

/// Early-refresh requests from the event loops, rate-limited before they cost anything: an
/// attacker sending random `kid`s gets one refresh per `minimumInterval` at most.
final class JWKSRefreshRequests: Sendable {
    enum Event: Sendable {
        case tick
        case unknownKeyID(String)
    }

    private let continuation: AsyncStream<Event>.Continuation
    private let stream: AsyncStream<Event>
    private let nextAllowed = Atomic<Int64>(0)
    private let negative = Mutex<[String: Int64]>([:])
    let minimumInterval: Duration
    let negativeTTL: Duration

    init(minimumInterval: Duration = .seconds(30), negativeTTL: Duration = .seconds(300)) {
        (self.stream, self.continuation) = AsyncStream<Event>.makeStream(bufferingPolicy: .bufferingNewest(16))
        self.minimumInterval = minimumInterval
        self.negativeTTL = negativeTTL
    }

    /// Called from an event loop when a JWT names an unknown `kid`.
    func unknownKeyID(_ kid: String) {
        let now = Self.nowNanoseconds()
        let allowed = self.nextAllowed.load(ordering: .relaxed)
        guard now >= allowed else { return }
        let known = self.negative.withLock { cache -> Bool in
            if let until = cache[kid], until > now { return true }
            return false
        }
        guard !known else { return }
        let next = now + Self.nanoseconds(self.minimumInterval)
        guard self.nextAllowed.compareExchange(expected: allowed, desired: next, ordering: .relaxed).exchanged else { return }
        self.continuation.yield(.unknownKeyID(kid))
    }

    /// A refresh did not bring `kid`: ignore it for `negativeTTL`.
    func rememberUnknown(_ kid: String) {
        let until = Self.nowNanoseconds() + Self.nanoseconds(self.negativeTTL)
        self.negative.withLock { cache in
            if cache.count >= 1024 { cache.removeAll() }
            cache[kid] = until
        }
    }

    /// Early requests merged with a periodic tick.
    func events(tick: Duration) -> AsyncStream<Event> {
        let continuation = self.continuation
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: tick)
                continuation.yield(.tick)
            }
        }
        continuation.onTermination = { _ in ticker.cancel() }
        return self.stream
    }

    private static func nowNanoseconds() -> Int64 {
        Int64(NIODeadline.now().uptimeNanoseconds)
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
