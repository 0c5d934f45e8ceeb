public import NIOCore

/// Remembers nonces for the length of their replay window and refuses the second sighting
/// (SPEC §4). One store per process, shared by every event loop; it survives rule reloads.
///
/// The one requirement answers either at once or later:
/// - the memory store decides under a lock and returns `.decided` — no future, no closure, no
///   allocation, and the event loop is not touched;
/// - a networked store (Redis, `SET key 1 NX PX ms`: `RedisNonceStore` in GatewayRedis) returns
///   `.pending` with a future on the caller's event loop.
///
/// A caller on the request path switches on the result, so the common synchronous case costs
/// nothing extra; `claim(_:expiresAt:now:on:completion:)` wraps both cases in one callback for
/// code that prefers it.
///
/// Call only after the credential verified (SPEC §4: forged requests must not fill the store)
/// and after every earlier check passed (SPEC §9: a request refused earlier consumes nothing).
public protocol NonceStore: Sendable {
    /// Records `key` unless it is remembered and live.
    ///
    /// - Parameters:
    ///   - key: the nonce, scoped to its key.
    ///   - expiresAt: the last second (Unix time) at which the nonce must still be refused: its
    ///     timestamp (`created`, `iat`) plus the replay window (SPEC §9 "Signatures"). After that
    ///     the timestamp check alone refuses the request, and the entry may be forgotten.
    ///   - now: the current Unix time in seconds (injected, so tests control the clock).
    ///   - eventLoop: where a networked store completes its future; unused by the memory store.
    func claim(_ key: NonceKey, expiresAt: Int64, now: Int64, on eventLoop: any EventLoop) -> ReplayClaim

    /// Whether `key` is recorded and live, without recording it: the revocation lookup of a token
    /// the token endpoint issued (SPEC §8, §9 "Token endpoint"). `.unavailable` when the store
    /// cannot be asked — the caller answers 503 `replay_store_unavailable`, never a guess.
    func contains(_ key: NonceKey, now: Int64, on eventLoop: any EventLoop) -> ReplayLookup

    /// Records `key` until `expiresAt` whether or not it is already recorded — a revocation,
    /// kept until the token's `exp` plus `jwt.leeway` (SPEC §9 "Token endpoint") — counting
    /// against the store's capacity. A key already recorded keeps at least its expiry.
    ///
    /// Answers `.fresh` once it is recorded, `.full` when the store holds `capacity` live
    /// entries and the key is not among them, `.unavailable` when the store cannot be asked;
    /// never `.replayed`.
    func record(_ key: NonceKey, expiresAt: Int64, now: Int64, on eventLoop: any EventLoop) -> ReplayClaim

    /// Entries held, for `gateway_replay_store_entries`; nil when the store cannot say cheaply.
    var entryCount: Int? { get }
}

/// A `NonceStore` answer: now, or on an event loop later.
public enum ReplayClaim: Sendable {
    case decided(ReplayOutcome)
    /// Completes on the `eventLoop` given to `claim`. A failed future means `.unavailable`.
    case pending(EventLoopFuture<ReplayOutcome>)
}

/// Whether a key is recorded (`NonceStore.contains`).
public enum ReplayPresence: Sendable, Hashable {
    /// Recorded and live: a revoked token, for instance.
    case present
    case absent
    /// The store could not be asked: 503 `replay_store_unavailable`, never an allow on a guess.
    case unavailable
}

/// A `NonceStore.contains` answer: now, or on an event loop later.
public enum ReplayLookup: Sendable {
    case decided(ReplayPresence)
    /// Completes on the `eventLoop` given to `contains`. A failed future means `.unavailable`.
    case pending(EventLoopFuture<ReplayPresence>)
}

extension NonceStore {
    public var entryCount: Int? { nil }

    /// `claim(_:expiresAt:now:on:)` with one callback for both cases: called before this returns
    /// when the store decided at once, else on `eventLoop` when the future completes (a failure
    /// is reported as `.unavailable`).
    ///
    /// Must be called on `eventLoop` (the callback is not `Sendable`; it runs there).
    public func claim(
        _ key: NonceKey,
        expiresAt: Int64,
        now: Int64,
        on eventLoop: any EventLoop,
        completion: @escaping (ReplayOutcome) -> Void
    ) {
        switch self.claim(key, expiresAt: expiresAt, now: now, on: eventLoop) {
        case .decided(let outcome):
            completion(outcome)
        case .pending(let future):
            Self.deliver(future, on: eventLoop, failure: .unavailable, completion)
        }
    }

    /// `contains(_:now:on:)` with one callback for both cases, as `claim(…completion:)`: called
    /// before this returns when the store decided at once, else on `eventLoop` (a failure is
    /// reported as `.unavailable`). Must be called on `eventLoop`.
    public func contains(
        _ key: NonceKey,
        now: Int64,
        on eventLoop: any EventLoop,
        completion: @escaping (ReplayPresence) -> Void
    ) {
        switch self.contains(key, now: now, on: eventLoop) {
        case .decided(let presence):
            completion(presence)
        case .pending(let future):
            Self.deliver(future, on: eventLoop, failure: .unavailable, completion)
        }
    }

    /// `record(_:expiresAt:now:on:)` with one callback for both cases, as `claim(…completion:)`.
    /// Must be called on `eventLoop`.
    public func record(
        _ key: NonceKey,
        expiresAt: Int64,
        now: Int64,
        on eventLoop: any EventLoop,
        completion: @escaping (ReplayOutcome) -> Void
    ) {
        switch self.record(key, expiresAt: expiresAt, now: now, on: eventLoop) {
        case .decided(let outcome):
            completion(outcome)
        case .pending(let future):
            Self.deliver(future, on: eventLoop, failure: .unavailable, completion)
        }
    }

    /// Hands a pending answer to `completion` on `eventLoop`; a failed future is `failure`.
    private static func deliver<Answer: Sendable>(
        _ future: EventLoopFuture<Answer>,
        on eventLoop: any EventLoop,
        failure: Answer,
        _ completion: @escaping (Answer) -> Void
    ) {
        future.hop(to: eventLoop).assumeIsolated().whenComplete { result in
            switch result {
            case .success(let answer): completion(answer)
            case .failure: completion(failure)
            }
        }
    }
}
