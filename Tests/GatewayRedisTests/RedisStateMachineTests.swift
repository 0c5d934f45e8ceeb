import NIOCore
import Testing

@testable import GatewayRedis

/// The connection's two state machines and the backoff, with plain values: no sockets.
@Suite struct RedisStateMachineTests {
    static let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    // MARK: Pipeline

    @Test func repliesGoToCommandsInOrder() {
        var machine = RedisPipelineStateMachine<String>(timeout: .milliseconds(100), maxPending: 10)
        guard case .write(let first?) = machine.send("a", now: Self.start) else { Issue.record("a"); return }
        #expect(first == Self.start + .milliseconds(100))
        // Later commands are written back to back; the timer is armed only once.
        guard case .write(nil) = machine.send("b", now: Self.start + .milliseconds(1)) else { Issue.record("b"); return }
        guard case .write(nil) = machine.send("c", now: Self.start + .milliseconds(2)) else { Issue.record("c"); return }
        #expect(machine.inFlight == 3)
        var answered: [String] = []
        for value in [RESPValue.simpleString("OK"), .null, .integer(1)] {
            guard case .answer(let waiter, let reply, _) = machine.reply(value) else { Issue.record("no answer"); return }
            #expect(reply == value)
            answered.append(waiter)
        }
        #expect(answered == ["a", "b", "c"])
        guard case .unexpected = machine.reply(.simpleString("OK")) else {
            Issue.record("a reply with no command must close the connection")
            return
        }
    }

    /// The timer is moved forward lazily; once the oldest command passes its deadline every
    /// command fails and later ones fail at once.
    @Test func timeoutsFailEverythingOnTheConnection() {
        var machine = RedisPipelineStateMachine<String>(timeout: .milliseconds(100), maxPending: 10)
        _ = machine.send("a", now: Self.start)
        _ = machine.send("b", now: Self.start + .milliseconds(50))
        _ = machine.reply(.simpleString("OK"))  // a answered
        // The timer armed for a's deadline fires: b's deadline is later, so it is re-armed.
        guard case .rearm(let deadline) = machine.timerFired(now: Self.start + .milliseconds(100)) else {
            Issue.record("re-arm")
            return
        }
        #expect(deadline == Self.start + .milliseconds(150))
        _ = machine.send("c", now: Self.start + .milliseconds(120))
        guard case .timeOut(let failed) = machine.timerFired(now: Self.start + .milliseconds(150)) else {
            Issue.record("time out")
            return
        }
        #expect(failed == ["b", "c"])
        guard case .fail("d", let error) = machine.send("d", now: Self.start + .milliseconds(151)) else {
            Issue.record("sends after a timeout fail")
            return
        }
        #expect(error.kind == "timeout")
        guard case .none = machine.timerFired(now: Self.start + .seconds(1)) else { Issue.record("none"); return }
    }

    @Test func anEmptyPipelineLetsTheTimerLapse() {
        var machine = RedisPipelineStateMachine<String>(timeout: .milliseconds(100), maxPending: 10)
        _ = machine.send("a", now: Self.start)
        _ = machine.reply(.integer(0))
        guard case .none = machine.timerFired(now: Self.start + .milliseconds(100)) else { Issue.record("none"); return }
        // The next command arms it again.
        guard case .write(let deadline?) = machine.send("b", now: Self.start + .milliseconds(200)) else {
            Issue.record("armed")
            return
        }
        #expect(deadline == Self.start + .milliseconds(300))
    }

    @Test func tooManyCommandsAndClosing() {
        var machine = RedisPipelineStateMachine<Int>(timeout: .seconds(1), maxPending: 2)
        _ = machine.send(1, now: Self.start)
        _ = machine.send(2, now: Self.start)
        guard case .fail(3, let error) = machine.send(3, now: Self.start) else { Issue.record("overloaded"); return }
        #expect(error.kind == "overloaded")
        let failed = machine.close(.closed)
        #expect(failed == [1, 2])
        guard case .fail(4, let closed) = machine.send(4, now: Self.start) else { Issue.record("closed"); return }
        #expect(closed.kind == "closed")
    }

    // MARK: Link

    @Test func theFirstCommandsWaitForTheFirstConnection() {
        var link = RedisLinkStateMachine<Int>(maxQueued: 3)
        guard case .connectAndQueue = link.send(1) else { Issue.record("connect"); return }
        guard case .queued = link.send(2) else { Issue.record("queue"); return }
        guard case .queued = link.send(3) else { Issue.record("queue"); return }
        guard case .fail(4, let error) = link.send(4) else { Issue.record("bounded"); return }
        #expect(error.kind == "overloaded")
        guard case .writeQueued(let queued) = link.connected() else { Issue.record("connected"); return }
        #expect(Array(queued) == [1, 2, 3])
        guard case .write(5) = link.send(5) else { Issue.record("write"); return }
        #expect(link.isReady)
    }

    /// After a failed attempt commands fail at once until a retry succeeds; failures count up
    /// for the backoff and reset on success.
    @Test func afterAFailureCommandsFailFastUntilARetrySucceeds() {
        var link = RedisLinkStateMachine<Int>(maxQueued: 10)
        _ = link.send(1)
        guard case .failAndRetry(let failed, 1) = link.connectFailed(.connect("refused")) else { Issue.record("retry"); return }
        #expect(Array(failed) == [1])
        guard case .fail(2, let error) = link.send(2) else { Issue.record("fail fast"); return }
        #expect(error.kind == "unavailable")
        do { let result = link.retryTimerFired(); #expect(result) }
        // The retry is under way: still failing fast.
        guard case .fail(3, _) = link.send(3) else { Issue.record("fail fast while retrying"); return }
        guard case .failAndRetry(let none, 2) = link.connectFailed(.connect("refused")) else { Issue.record("retry 2"); return }
        #expect(none.isEmpty)
        do { let result = link.retryTimerFired(); #expect(result) }
        guard case .writeQueued = link.connected() else { Issue.record("connected"); return }
        #expect(link.failures == 0)
        guard case .write(4) = link.send(4) else { Issue.record("write"); return }
    }

    /// A working connection lost: reconnect at once, commands waiting for it.
    @Test func aLostConnectionIsReplacedAtOnce() {
        var link = RedisLinkStateMachine<Int>(maxQueued: 10)
        do { let result = link.connectIfIdle(); #expect(result) }
        do { let result = link.connectIfIdle(); #expect(!result) }
        _ = link.connected()
        do { let result = link.connectionLost(); #expect(result) }
        guard case .queued = link.send(1) else { Issue.record("queued"); return }
        guard case .writeQueued(let queued) = link.connected() else { Issue.record("connected"); return }
        #expect(Array(queued) == [1])
    }

    @Test func shutDownFailsWhatWaitsAndEverythingAfter() {
        var link = RedisLinkStateMachine<Int>(maxQueued: 10)
        _ = link.send(1)
        _ = link.send(2)
        let waiting = Array(link.shutDown())
        #expect(waiting == [1, 2])
        guard case .close = link.connected() else { Issue.record("a connection made after shutdown is closed"); return }
        guard case .fail(3, let error) = link.send(3) else { Issue.record("fail"); return }
        #expect(error.kind == "shutdown")
        do { let result = link.retryTimerFired(); #expect(!result) }
    }

    // MARK: Backoff

    @Test func backoffDoublesWithJitterUpToItsCap() {
        let backoff = RedisBackoff(initial: .milliseconds(50), maximum: .seconds(2))
        #expect(backoff.delay(afterFailures: 1, random: 0) == .milliseconds(25))
        #expect(backoff.delay(afterFailures: 1, random: 1) == .milliseconds(50))
        #expect(backoff.delay(afterFailures: 2, random: 1) == .milliseconds(100))
        #expect(backoff.delay(afterFailures: 4, random: 0.5) == .milliseconds(300))
        for failures in [7, 10, 64, 10_000, Int.max] {
            let delay = backoff.delay(afterFailures: failures, random: 1)
            #expect(delay == .seconds(2), "\(failures)")
            #expect(backoff.delay(afterFailures: failures, random: 0) == .seconds(1))
        }
    }
}
