import NIOCore

/// One event loop's part of the drain: its `shutdown_grace` timer and how many requests it
/// aborted. Touched only on that loop.
final class LoopDrain {
    private var timer: Scheduled<Void>?
    private var aborted: Int?

    /// The drain began on this loop: abort what still runs after `grace` (at once when cut short).
    func start(_ context: LoopContext, grace: TimeAmount, cutShort: Bool) {
        if cutShort {
            self.abort(context)
            return
        }
        self.timer = context.eventLoop.assumeIsolated().scheduleTask(in: grace) { self.abort(context) }
    }

    /// Aborts the requests still running, once.
    func abort(_ context: LoopContext) {
        self.timer?.cancel()
        self.timer = nil
        guard self.aborted == nil else { return }
        self.aborted = context.connectionCount
        context.abortAll()
    }

    /// Every connection closed: returns how many requests were aborted.
    func finish() -> Int {
        self.timer?.cancel()
        self.timer = nil
        return self.aborted ?? 0
    }
}

@available(*, unavailable)
extension LoopDrain: Sendable {}
