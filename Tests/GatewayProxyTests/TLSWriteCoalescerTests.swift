import NIOCore
import NIOEmbedded
import Synchronization
import Testing

@testable import GatewayProxy

/// What reaches NIOSSL from the HTTP/1.1 handler over TLS: one buffer per flush (one TLS
/// record) for small writes, large writes unchanged, everything in order, promises kept.
struct TLSWriteCoalescerTests {
    private func channel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(TLSWriteCoalescer())
        return channel
    }

    private func outbound(_ channel: EmbeddedChannel) throws -> [String] {
        var written: [String] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { written.append(String(buffer: buffer)) }
        return written
    }

    @Test func aHeadAndABodyLeaveAsOneBufferAtTheFlush() throws {
        let channel = try self.channel()
        channel.write(ByteBuffer(string: "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n"), promise: nil)
        channel.write(ByteBuffer(string: "ok"), promise: nil)
        #expect(try self.outbound(channel).isEmpty)
        channel.flush()
        #expect(try self.outbound(channel) == ["HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"])
        #expect(try channel.finish().isClean)
    }

    @Test func aWriteThatWouldPassARecordStartsTheNextBufferInOrder() throws {
        let channel = try self.channel()
        let large = String(repeating: "x", count: TLSWriteCoalescer.recordSize)
        let almost = String(repeating: "y", count: TLSWriteCoalescer.recordSize - 10)
        channel.write(ByteBuffer(string: "head"), promise: nil)
        channel.write(ByteBuffer(string: large), promise: nil)
        channel.write(ByteBuffer(string: almost), promise: nil)
        channel.write(ByteBuffer(string: "0123456789"), promise: nil)
        channel.write(ByteBuffer(string: "z"), promise: nil)
        channel.flush()
        #expect(try self.outbound(channel) == ["head", large, almost + "0123456789", "z"])
        #expect(try channel.finish().isClean)
    }

    @Test func mergedWritesCompleteTheirPromisesWithTheBuffer() throws {
        let channel = try self.channel()
        let first = channel.eventLoop.makePromise(of: Void.self)
        let second = channel.eventLoop.makePromise(of: Void.self)
        let completed = Mutex(0)
        first.futureResult.whenSuccess { completed.withLock { $0 += 1 } }
        second.futureResult.whenSuccess { completed.withLock { $0 += 1 } }
        channel.write(ByteBuffer(string: "a"), promise: first)
        channel.write(ByteBuffer(string: "b"), promise: second)
        #expect(completed.withLock { $0 } == 0)
        channel.flush()
        #expect(completed.withLock { $0 } == 2)
        #expect(try self.outbound(channel) == ["ab"])
        #expect(try channel.finish().isClean)
    }

    @Test func aCloseFailsWhatWasNeverFlushed() throws {
        let channel = try self.channel()
        let promise = channel.eventLoop.makePromise(of: Void.self)
        channel.write(ByteBuffer(string: "unflushed"), promise: promise)
        try channel.close().wait()
        #expect(throws: ChannelError.ioOnClosedChannel) { try promise.futureResult.wait() }
        #expect(try self.outbound(channel).isEmpty)
    }
}

/// What the HTTP/1.1 handler receives over TLS: its own buffer, sized to what was decrypted,
/// sharing nothing with NIOSSL's.
struct TLSPlaintextCopierTests {
    @Test func theHandlerGetsACopyThatOutlivesTheDecryptionBuffer() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(TLSPlaintextCopier())
        var decrypted = ByteBuffer()
        decrypted.reserveCapacity(32 * 1024)
        decrypted.writeString("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        try channel.writeInbound(decrypted)
        // NIOSSL reuses its buffer for the next record.
        decrypted.clear()
        decrypted.writeString("XXXXXXXXXXXXXXXXXXXXXXXXXXX")
        let received = try #require(try channel.readInbound(as: ByteBuffer.self))
        #expect(String(buffer: received) == "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(received.capacity < 1024)
        #expect(try channel.finish().isClean)
    }
}
