public import NIOCore

/// Remembers nonces for the length of their replay window and refuses the second sighting
/// (SPEC §4). One store per process, shared by every event loop; it survives rule reloads.
///
/// The one requirement answers either at once or later:
/// - the memory store decides under a lock and returns `.decided` — no future, no closure, no
///   allocation, and the event loop is not touched;
/// - a networked store (Redis, `SET key 1 NX PX ms`, a later issue) returns `.pending` with a
///   future on the caller's event loop.
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

    /// Entries held, for `gateway_replay_store_entries`; nil when the store cannot say cheaply.
    var entryCount: Int? { get }
}

/// A `NonceStore` answer: now, or on an event loop later.
public enum ReplayClaim: Sendable {
    case decided(ReplayOutcome)
    /// Completes on the `eventLoop` given to `claim`. A failed future means `.unavailable`.
    case pending(EventLoopFuture<ReplayOutcome>)
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
            future.hop(to: eventLoop).assumeIsolated().whenComplete { result in
                switch result {
                case .success(let outcome): completion(outcome)
                case .failure: completion(.unavailable)
                }
            }
        }
    }
}
