import Foundation

/// At most one piece of `runOffThePool` work at a time.
private let offThePoolGate = DispatchSemaphore(value: 1)

/// Runs CPU-heavy synchronous test work — a differential loop, a 100,000-key file, 8,000
/// audit lines to check — on a thread of its own, not on Swift concurrency's cooperative pool,
/// and awaits its result.
///
/// The pool has one thread per core, two on this machine. A loop of seconds on one of them
/// (a debug build makes seconds of what a release build does in milliseconds) leaves every
/// other test one thread, while the gateways those tests started keep their own clocks on
/// their event loops: a test that waits 200 ms of a grace period saw tens of seconds pass and
/// a 504 where a 503 was due. On a thread of its own the work is only a third runnable thread
/// the kernel shares the cores with; and at most one such thread runs at a time (a Dispatch
/// semaphore, waited on by that thread, never by the pool), so the other core stays with the
/// rest of the tests.
public func runOffThePool<Result: Sendable>(_ work: @escaping @Sendable () throws -> Result) async throws -> Result {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            offThePoolGate.wait()
            defer { offThePoolGate.signal() }
            continuation.resume(with: Swift.Result { try work() })
        }
    }
}
