import GatewayHTTP1
import GatewayPolicy
import NIOCore
import Testing

@testable import GatewayProxy

/// The HTTP/1.1 connection state machine driven with bytes and a clock: one exchange at a
/// time, pipelined heads waiting in the decoder, keep-alive, timeouts and the drain.
struct HTTP1ConnectionStateMachineTests {
    private static let timeouts = HTTP1ConnectionStateMachine.Timeouts(header: 10, idle: 100)

    private func machine(now: Int64 = 0) -> HTTP1ConnectionStateMachine {
        HTTP1ConnectionStateMachine(limits: HTTP1Limits(), timeouts: Self.timeouts, now: now)
    }

    private func refuse(_ machine: inout HTTP1ConnectionStateMachine, _ reason: DenyReason = .noRoute) -> ExchangeAction? {
        guard case .exchange(let action) = machine.begin(
            .refuse(Denial(reason: reason)),
            request: ExchangeRequest(body: .none),
            limits: ExchangeFixtures.limits
        ) else { return nil }
        return action
    }

    private func head(_ action: HTTP1ConnectionStateMachine.Action) -> HTTP1RequestHead? {
        if case .decide(let head) = action { return head }
        return nil
    }

    @Test func aHeadIsDecidedThenTheConnectionWaits() throws {
        var machine = self.machine()
        machine.received(ByteBuffer(string: "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"))
        let head = try #require(self.head(machine.next(now: 1)))
        #expect(head.targetString == "/a")
        #expect(self.refuse(&machine)?.refusal?.reason == .noRoute)
        guard case .wait = machine.next(now: 2) else {
            Issue.record("expected wait")
            return
        }
        #expect(machine.exchange == nil)
        #expect(!machine.closesAfterResponse)
    }

    @Test func aPipelinedHeadWaitsUntilTheExchangeBeforeItIsComplete() throws {
        var machine = self.machine()
        machine.received(ByteBuffer(string: "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"))
        _ = try #require(self.head(machine.next(now: 1)))
        _ = machine.begin(.allow(ExchangeFixtures.allowance()), request: ExchangeRequest(body: .none), limits: ExchangeFixtures.limits)
        // The exchange is connecting: the second head stays in the decoder.
        guard case .wait = machine.next(now: 2) else {
            Issue.record("the next head was parsed too early")
            return
        }
        #expect(machine.decoder.bufferedBytes > 0)
        _ = machine.withExchange { $0.upstreamConnected() }
        _ = machine.withExchange { $0.upstreamResponseHead(status: 200, keepAlive: true) }
        _ = machine.withExchange { $0.upstreamResponseEnd(nil) }
        let second = try #require(self.head(machine.next(now: 3)))
        #expect(second.targetString == "/b")
    }

    @Test func bodyBytesGoToTheExchangeAsTheyArrive() throws {
        var machine = self.machine()
        machine.received(ByteBuffer(string: "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nabc"))
        _ = try #require(self.head(machine.next(now: 1)))
        _ = machine.begin(.allow(ExchangeFixtures.allowance()), request: ExchangeRequest(body: .length(6)), limits: ExchangeFixtures.limits)
        _ = machine.withExchange { $0.upstreamConnected() }
        guard case .exchange(.forwardBody(let first)) = machine.next(now: 2) else {
            Issue.record("no body")
            return
        }
        #expect(String(buffer: first) == "abc")
        machine.received(ByteBuffer(string: "def"))
        guard case .exchange(.forwardBody(let second)) = machine.next(now: 3) else {
            Issue.record("no body")
            return
        }
        #expect(String(buffer: second) == "def")
        guard case .exchange(.forwardEnd) = machine.next(now: 4) else {
            Issue.record("no end")
            return
        }
    }

    @Test func connectionCloseEndsTheConnectionAfterTheResponse() throws {
        var machine = self.machine()
        machine.received(ByteBuffer(string: "GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
        _ = try #require(self.head(machine.next(now: 1)))
        #expect(machine.closesAfterResponse)
        _ = self.refuse(&machine)
        guard case .close = machine.next(now: 2) else {
            Issue.record("expected close")
            return
        }
    }

    @Test func malformedBytesAreRefusedAndCloseTheConnection() {
        var machine = self.machine()
        machine.received(ByteBuffer(string: "GET  /a HTTP/1.1\r\nHost: x\r\n\r\n"))
        guard case .refuse(let error) = machine.next(now: 1) else {
            Issue.record("not refused")
            return
        }
        #expect(error.kind == .malformed)
        #expect(machine.closesAfterResponse)
    }

    @Test func aHeadThatTricklesPastTheHeaderTimeoutIsAnswered408() {
        var machine = self.machine(now: 0)
        machine.received(ByteBuffer(string: "GET /a HTTP/1.1\r\nHo"))
        guard case .wait = machine.next(now: 5) else {
            Issue.record("expected wait")
            return
        }
        #expect(machine.headDeadline == 15)
        guard case .wait = machine.tick(now: 14) else {
            Issue.record("timed out early")
            return
        }
        guard case .headerTimedOut = machine.tick(now: 15) else {
            Issue.record("no timeout")
            return
        }
        #expect(machine.closesAfterResponse)
    }

    @Test func anIdleConnectionClosesAtItsDeadline() {
        var machine = self.machine(now: 0)
        guard case .wait = machine.tick(now: 99) else {
            Issue.record("closed early")
            return
        }
        guard case .close = machine.tick(now: 100) else {
            Issue.record("not closed")
            return
        }
    }

    @Test func drainingClosesAnIdleConnectionAtOnceAndABusyOneAfterItsResponse() throws {
        var idle = self.machine()
        guard case .close = idle.beginDrain() else {
            Issue.record("idle connection kept")
            return
        }
        var busy = self.machine()
        busy.received(ByteBuffer(string: "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"))
        _ = try #require(self.head(busy.next(now: 1)))
        _ = busy.begin(.allow(ExchangeFixtures.allowance()), request: ExchangeRequest(body: .none), limits: ExchangeFixtures.limits)
        guard case .wait = busy.beginDrain() else {
            Issue.record("busy connection closed")
            return
        }
        _ = busy.withExchange { $0.upstreamConnected() }
        _ = busy.withExchange { $0.upstreamResponseHead(status: 200, keepAlive: true) }
        _ = busy.withExchange { $0.upstreamResponseEnd(nil) }
        guard case .close = busy.next(now: 2) else {
            Issue.record("not closed after the response")
            return
        }
    }

    @Test func aClientThatLeavesAbandonsTheExchangeAndLeavesItsPipelinedHeads() throws {
        var machine = self.machine()
        machine.received(ByteBuffer(string: "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHo"))
        _ = try #require(self.head(machine.next(now: 1)))
        _ = machine.begin(.allow(ExchangeFixtures.allowance()), request: ExchangeRequest(body: .none), limits: ExchangeFixtures.limits)
        guard case .exchange(.abandon) = machine.closed() else {
            Issue.record("not abandoned")
            return
        }
        #expect(machine.exchange?.record.status == 499)
        // `/b` is whole; `/c` never finished its head (no record for it).
        #expect(machine.takePipelinedHeads().map(\.targetString) == ["/b"])
    }
}
