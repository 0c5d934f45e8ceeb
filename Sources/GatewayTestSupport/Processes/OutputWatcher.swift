import Synchronization

/// Collects what a child writes to one or both of its output streams, and wakes those waiting
/// for a line in it.
public final class OutputWatcher: Sendable {
    private struct State {
        var text = ""
        var closed = false
        var waiters: [(needle: String, occurrence: Int, continuation: CheckedContinuation<String?, Never>)] = []
    }

    private let state = Mutex(State())

    /// Everything written so far.
    public var text: String { self.state.withLock { $0.text } }

    public init() {}

    /// Adds a chunk as it arrived (a line may be split across chunks).
    public func append(_ chunk: String) {
        let ready = self.state.withLock { state -> [(CheckedContinuation<String?, Never>, String)] in
            state.text += chunk
            var ready: [(CheckedContinuation<String?, Never>, String)] = []
            state.waiters.removeAll { waiter in
                guard let line = Self.line(in: state.text, containing: waiter.needle, occurrence: waiter.occurrence) else { return false }
                ready.append((waiter.continuation, line))
                return true
            }
            return ready
        }
        for (continuation, line) in ready { continuation.resume(returning: line) }
    }

    /// The stream ended: those waiting for a line that was not written get nil.
    public func close() {
        let waiters = self.state.withLock { state in
            state.closed = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.continuation.resume(returning: nil) }
    }

    /// The `occurrence`-th line (from 1) containing `needle`, once written; nil if the output closed first.
    public func waitForLine(containing needle: String, occurrence: Int = 1) async -> String? {
        await withCheckedContinuation { continuation in
            let immediate: String?? = self.state.withLock { state in
                if let line = Self.line(in: state.text, containing: needle, occurrence: occurrence) { return .some(line) }
                if state.closed { return .some(nil) }
                state.waiters.append((needle, occurrence, continuation))
                return .none
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
    }

    private static func line(in text: String, containing needle: String, occurrence: Int = 1) -> String? {
        // Only whole lines: a line still being written may not hold all of `needle` yet.
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        let matching = lines.lazy.filter { $0.contains(needle) }.dropFirst(occurrence - 1)
        return matching.first.map(String.init)
    }
}
