import Synchronization
import UnixSignals

/// SIGTERM and SIGINT for the whole life of `gateway run` (SPEC §9 "Start-up"): trapped before
/// anything else happens, so a signal while the rules load, while JWK Sets are fetched or while
/// listeners bind stops the gateway at once, and a signal while serving starts the drain.
///
/// Signals go, in order, to the handler in force; one that comes while no handler is set waits
/// for the next handler.
final class ShutdownSignals: Sendable {
    private struct State {
        var handler: (@Sendable (UnixSignal) -> Void)?
        var pending: [UnixSignal] = []
    }

    private let state = Mutex(State())

    /// Traps SIGTERM and SIGINT: their default action, ending the process on the spot, no longer
    /// applies; from here on they are this object's to handle.
    init() async {
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        Task {
            for await signal in signals { self.deliver(signal) }
        }
    }

    private func deliver(_ signal: UnixSignal) {
        let handler = self.state.withLock { state -> (@Sendable (UnixSignal) -> Void)? in
            if state.handler == nil { state.pending.append(signal) }
            return state.handler
        }
        handler?(signal)
    }

    /// From now on `handler` receives the signals, first those that waited.
    func onSignal(_ handler: @escaping @Sendable (UnixSignal) -> Void) {
        let pending = self.state.withLock { state in
            state.handler = handler
            defer { state.pending.removeAll() }
            return state.pending
        }
        for signal in pending { handler(signal) }
    }

    /// How a race between a task and the signals ended.
    enum RaceOutcome<Value: Sendable>: Sendable {
        case signalled(UnixSignal)
        case finished(Result<Value, any Error>)
    }

    /// The task's result, unless a signal comes first. A task that loses is cancelled and left
    /// to itself: what it awaits (a JWK Set fetch, say) need not notice cancellation for the
    /// process to stop. Signals after the race wait for the next `onSignal`.
    func race<Value: Sendable>(_ task: Task<Value, any Error>) async -> RaceOutcome<Value> {
        let winner = OneShot<RaceOutcome<Value>>()
        let outcome = await withCheckedContinuation { continuation in
            winner.set(continuation)
            self.onSignal { signal in
                // A signal after the task won is not lost: it waits for the next handler.
                if !winner.resume(.signalled(signal)) { self.state.withLock { $0.pending.append(signal) } }
            }
            Task { winner.resume(.finished(await task.result)) }
        }
        self.state.withLock { $0.handler = nil }
        if case .signalled = outcome { task.cancel() }
        return outcome
    }
}

/// A continuation resumed at most once, by whichever caller comes first.
private final class OneShot<Value: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<Value, Never>?>(nil)

    func set(_ continuation: CheckedContinuation<Value, Never>) {
        self.continuation.withLock { $0 = continuation }
    }

    /// Resumes the continuation with `value`; false when it was resumed before.
    @discardableResult
    func resume(_ value: Value) -> Bool {
        guard let continuation = self.continuation.withLock({ $0.take() }) else { return false }
        continuation.resume(returning: value)
        return true
    }
}
