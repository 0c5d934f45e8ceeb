import Synchronization

/// Open downstream connections across all event loops, for `max_connections`. Touched once
/// when a connection opens and once when it closes, never per request.
final class ConnectionCounter: Sendable {
    private let count = Atomic<Int>(0)

    /// Counts a new connection unless `limit` is reached; false means refuse it.
    func tryAcquire(limit: Int) -> Bool {
        if self.count.add(1, ordering: .relaxed).newValue > limit {
            self.count.subtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func release() {
        self.count.subtract(1, ordering: .relaxed)
    }

    var value: Int { self.count.load(ordering: .relaxed) }
}
