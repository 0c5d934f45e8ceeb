import GatewayMetrics
import NIOCore
import NIOEmbedded
import Testing

@testable import GatewayRedis

/// The channel handler on an `EmbeddedChannel`: pipelined writes, in-order replies, error
/// replies, the command timeout on the loop's virtual clock, and a broken stream.
@Suite struct RedisConnectionHandlerTests {
    static func makeChannel(timeout: TimeAmount = .milliseconds(200), metrics: RedisMetrics? = nil) throws -> (EmbeddedChannel, RedisConnectionHandler) {
        let handler = RedisConnectionHandler(commandTimeout: timeout, maxPending: 100, metrics: metrics)
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RESPReplyDecoder(limits: RESPDecoder.Limits())))
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379)).wait()
        return (channel, handler)
    }

    static func written(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
            text += buffer.readString(length: buffer.readableBytes)!
        }
        return text
    }

    @Test func commandsArePipelinedAndRepliesMatchedInOrder() throws {
        let metrics = GatewayMetrics()
        let (channel, handler) = try Self.makeChannel(metrics: metrics.redis)
        let loop = channel.embeddedEventLoop
        let replies = (0..<3).map { index in
            let promise = loop.makePromise(of: RESPValue.self)
            handler.send(RedisCommand("GET", [RedisArgument("k\(index)")]), promise: promise)
            return promise.futureResult
        }
        // Nothing leaves before the flush at the end of the loop's turn; then all three at once.
        #expect(try Self.written(channel) == "")
        loop.run()
        #expect(try Self.written(channel) == "*2\r\n$3\r\nGET\r\n$2\r\nk0\r\n*2\r\n$3\r\nGET\r\n$2\r\nk1\r\n*2\r\n$3\r\nGET\r\n$2\r\nk2\r\n")
        #expect(handler.inFlight == 3)
        try channel.writeInbound(ByteBuffer(string: "$1\r\na\r\n$-1\r\n-ERR wrong"))
        try channel.writeInbound(ByteBuffer(string: "type\r\n"))
        #expect(try replies[0].wait() == .bulkString(ByteBuffer(string: "a")))
        #expect(try replies[1].wait() == .null)
        do {
            _ = try replies[2].wait()
            Issue.record("an error reply fails the command")
        } catch let error as RedisError {
            #expect(error.serverMessage == "ERR wrongtype")
            #expect(error.kind == "server")
        }
        #expect(channel.isActive)
        let exposition = String(decoding: metrics.exposition(), as: UTF8.self)
        #expect(exposition.contains("gateway_redis_command_duration_seconds_count 3"))
        #expect(exposition.contains("gateway_redis_errors_total{kind=\"server\"} 1"))
        _ = try? channel.finish()
    }

    /// The oldest command past its deadline fails every command on the connection, which closes.
    @Test func aCommandPastItsTimeoutClosesTheConnection() throws {
        let (channel, handler) = try Self.makeChannel(timeout: .milliseconds(200))
        let loop = channel.embeddedEventLoop
        var closedWith: RedisError?
        handler.onClose = { closedWith = $0 }
        let first = loop.makePromise(of: RESPValue.self)
        handler.send(RedisCommand("PING"), promise: first)
        loop.advanceTime(by: .milliseconds(100))
        let second = loop.makePromise(of: RESPValue.self)
        handler.send(RedisCommand("PING"), promise: second)
        loop.advanceTime(by: .milliseconds(99))
        #expect(channel.isActive)
        loop.advanceTime(by: .milliseconds(1))
        #expect(throws: RedisError.timeout) { try first.futureResult.wait() }
        #expect(throws: RedisError.timeout) { try second.futureResult.wait() }
        #expect(closedWith == .timeout)
        #expect(!channel.isActive)
    }

    @Test func aReplyNoCommandAskedForClosesTheConnection() throws {
        let (channel, handler) = try Self.makeChannel()
        var closedWith: RedisError?
        handler.onClose = { closedWith = $0 }
        _ = try? channel.writeInbound(ByteBuffer(string: "+OK\r\n"))
        #expect(closedWith?.kind == "protocol")
        #expect(!channel.isActive)
    }

    @Test func garbageFailsTheWaitingCommands() throws {
        let (channel, handler) = try Self.makeChannel()
        let loop = channel.embeddedEventLoop
        var closedWith: RedisError?
        handler.onClose = { closedWith = $0 }
        let promise = loop.makePromise(of: RESPValue.self)
        handler.send(RedisCommand("PING"), promise: promise)
        _ = try? channel.writeInbound(ByteBuffer(string: "$99999999999\r\n"))
        do {
            _ = try promise.futureResult.wait()
            Issue.record("must fail")
        } catch let error as RedisError {
            #expect(error.kind == "protocol")
        }
        #expect(closedWith?.kind == "protocol")
        #expect(!channel.isActive)
    }

    @Test func aClosedConnectionFailsWhatWaits() throws {
        let (channel, handler) = try Self.makeChannel()
        let loop = channel.embeddedEventLoop
        var closedWith: RedisError?
        handler.onClose = { closedWith = $0 }
        let promise = loop.makePromise(of: RESPValue.self)
        handler.send(RedisCommand("PING"), promise: promise)
        channel.pipeline.fireChannelInactive()
        #expect(throws: RedisError.closed) { try promise.futureResult.wait() }
        #expect(closedWith == .closed)
    }
}
