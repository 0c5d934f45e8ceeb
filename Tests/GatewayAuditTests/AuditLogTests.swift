import Foundation
import NIOCore
import NIOPosix
import Synchronization
import GatewayTestSupport
import Testing

@testable import GatewayAudit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@Suite("AuditLog: the off-loop writer")
struct AuditLogTests {
    private func path(_ name: String = "audit.log") throws -> String {
        try AuditTestSupport.temporaryDirectory().appendingPathComponent(name).path
    }

    private func seqs(_ lines: [String]) throws -> [Int] {
        try lines.map { try AuditTestSupport.object($0)["seq"] as? Int ?? -1 }
    }

    private func field(_ name: String, of line: String) throws -> String? {
        try AuditTestSupport.object(line)[name] as? String
    }

    @Test("shutdown flushes every accepted record; seq counts 1, 2, … in acceptance order")
    func shutdownFlushes() async throws {
        let path = try self.path()
        let log = try AuditLog(configuration: .init(destination: .file(path: path)))
        for index in 1...2000 {
            #expect(log.submit(AuditTestSupport.record(index)) == .accepted)
        }
        #expect(log.recordsAccepted == 2000)
        await log.shutdown()
        #expect(log.recordsWritten == 2000)
        #expect(log.queueDepth == 0)
        let lines = try AuditTestSupport.lines(path)
        #expect(lines.count == 2000)
        #expect(try self.seqs(lines) == Array(1...2000))
        #expect(try self.field("request_id", of: lines[1999]) == "req-2000")
        #expect(try AuditChainVerifier().verify(paths: [path]).recordCount == 2000)
    }

    @Test("a sink at the null device, or a link to it, counts each record as written at once and starts no writer")
    func nullDeviceSinkCountsWithoutWriting() async throws {
        let link = try self.path("audit-null")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/dev/null")
        for path in ["/dev/null", link] {
            let log = try AuditLog(configuration: .init(destination: .file(path: path)))
            #expect(log.isDiscarding)
            for index in 1...100 {
                #expect(log.submit(AuditTestSupport.record(index)) == .accepted)
            }
            // Nor is a record needed: the proxy counts one without building it.
            for _ in 1...20 { #expect(log.acceptUnbuilt()) }
            // No writer: the count is final before any flush.
            #expect(log.recordsWritten == 120)
            #expect(log.recordsAccepted == 120)
            #expect(log.queueDepth == 0)
            await log.flush()
            log.reopen()
            await log.shutdown()
            #expect(log.recordsWritten == 120)
        }
    }

    @Test("a regular file, even one named null, is written, not discarded")
    func regularFileIsNotDiscarded() async throws {
        let path = try self.path("null")
        let log = try AuditLog(configuration: .init(destination: .file(path: path)))
        #expect(!log.isDiscarding)
        // A writing sink wants the record itself: nothing is counted without one.
        #expect(!log.acceptUnbuilt())
        log.submit(AuditTestSupport.record(1))
        await log.shutdown()
        #expect(try AuditTestSupport.lines(path).count == 1)
        #expect(log.recordsWritten == 1)
    }

    @Test("the null-device sink calls a drain waiter back on its event loop")
    func nullDeviceSinkCallsDrainWaitersBack() async throws {
        let log = try AuditLog(configuration: .init(destination: .file(path: "/dev/null")))
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            log.notifyWhenDrained(on: loop) {
                #expect(loop.inEventLoop)
                continuation.resume()
            }
        }
        await log.shutdown()
    }

    @Test("the file is created with mode 0640")
    func fileMode() async throws {
        let path = try self.path()
        let log = try AuditLog(configuration: .init(destination: .file(path: path)))
        await log.shutdown()
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        // The umask can only remove bits.
        #expect((attributes[.posixPermissions] as? Int ?? 0) & ~0o640 == 0)
    }

    @Test("flush() returns once everything accepted is in the file")
    func flush() async throws {
        let path = try self.path()
        let log = try AuditLog(configuration: .init(destination: .file(path: path)))
        for index in 1...10 { log.submit(AuditTestSupport.record(index)) }
        await log.flush()
        #expect(try AuditTestSupport.lines(path).count == 10)
        #expect(log.recordsWritten == 10)
        await log.shutdown()
    }

    @Test("after shutdown a record is refused, counted, and not written")
    func refusedAfterShutdown() async throws {
        let path = try self.path()
        let log = try AuditLog(configuration: .init(destination: .file(path: path)))
        log.submit(AuditTestSupport.record(1))
        await log.shutdown()
        #expect(log.submit(AuditTestSupport.record(2)) == .refused)
        #expect(log.recordsRefused == 1)
        #expect(try AuditTestSupport.lines(path).count == 1)
        await log.shutdown()  // a second shutdown returns at once
    }

    @Test("without hash_chain the lines carry neither prev nor hash")
    func withoutChain() async throws {
        let path = try self.path()
        let log = try AuditLog(configuration: .init(destination: .file(path: path), hashChain: false))
        log.submit(AuditTestSupport.denial(1))
        await log.shutdown()
        var expected = AuditTestSupport.denial(1)
        expected.seq = 1
        #expect(try AuditTestSupport.lines(path) == [AuditRecordEncoder.canonicalText(of: expected)])
        #expect(try AuditChainVerifier().verify(paths: [path]).chainBreak?.reason == .unchained)
    }

    @Test("reopen after rotation: the new file continues the chain (SPEC §9)")
    func reopenContinuesChain() async throws {
        let path = try self.path()
        let rotated = path + ".1"
        let log = try AuditLog(configuration: .init(destination: .file(path: path)))
        for index in 1...5 { log.submit(AuditTestSupport.record(index)) }
        try FileManager.default.moveItem(atPath: path, toPath: rotated)  // logrotate's rename
        log.reopen()  // records accepted before this go to the renamed file
        for index in 6...9 { log.submit(AuditTestSupport.record(index)) }
        await log.shutdown()

        let old = try AuditTestSupport.lines(rotated)
        let new = try AuditTestSupport.lines(path)
        #expect(old.count == 5)
        #expect(new.count == 4)
        #expect(try self.field("prev", of: new[0]) == (try self.field("hash", of: old[4])))
        #expect(try self.seqs(new) == [6, 7, 8, 9])
        let both = try AuditChainVerifier().verify(paths: [rotated, path])
        #expect(both.isValid)
        #expect(both.recordCount == 9)
        #expect(both.start == .newChain)
        let newAlone = try AuditChainVerifier().verify(paths: [path])
        #expect(newAlone.isValid)
        let lastOld = try #require(AuditHash(hex: try self.field("hash", of: old[4]) ?? ""))
        #expect(newAlone.start == .continuation(of: lastOld))
    }

    @Test("a restart onto an existing file continues its chain; seq starts again at 1")
    func restartContinuesChain() async throws {
        let path = try self.path()
        try await AuditTestSupport.writeLog((1...3).map { AuditTestSupport.record($0) }, to: path)
        try await AuditTestSupport.writeLog((4...6).map { AuditTestSupport.record($0) }, to: path)
        let lines = try AuditTestSupport.lines(path)
        #expect(lines.count == 6)
        #expect(try self.seqs(lines) == [1, 2, 3, 1, 2, 3])
        #expect(try self.field("prev", of: lines[3]) == (try self.field("hash", of: lines[2])))
        let result = try AuditChainVerifier().verify(paths: [path])
        #expect(result.isValid)
        #expect(result.recordCount == 6)
    }

    @Test("a restart finds the last hash behind a last line longer than the first tail read")
    func restartAfterLongLine() async throws {
        let path = try self.path()
        var long = AuditTestSupport.record(1)
        long.path = "/" + String(repeating: "x", count: 200_000)
        try await AuditTestSupport.writeLog([AuditTestSupport.record(0), long], to: path)
        try await AuditTestSupport.writeLog([AuditTestSupport.record(2)], to: path)
        let result = try AuditChainVerifier().verify(paths: [path])
        #expect(result.isValid)
        #expect(result.recordCount == 3)
    }

    @Test("a restart onto a file cut mid-line: new records start on their own line and chain to the last whole one")
    func restartAfterCutLine() async throws {
        let path = try self.path()
        try await AuditTestSupport.writeLog((1...3).map { AuditTestSupport.record($0) }, to: path)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"bytes_in":0,"bytes_o"#.utf8))
        try handle.close()
        try await AuditTestSupport.writeLog([AuditTestSupport.record(4)], to: path)
        let lines = try AuditTestSupport.lines(path)
        #expect(lines.count == 5)
        #expect(lines[3] == #"{"bytes_in":0,"bytes_o"#)
        #expect(try self.field("prev", of: lines[4]) == (try self.field("hash", of: lines[2])))
        let result = try AuditChainVerifier().verify(paths: [path])
        #expect(result.chainBreak?.line == 4)
        #expect(result.chainBreak?.reason == .malformed)
    }

    @Test("8 tasks × 1000 records with a rotation in the middle: every record once, one chain")
    func concurrentSubmittersWithReopen() async throws {
        let path = try self.path()
        let rotated = path + ".1"
        let log = try AuditLog(configuration: .init(destination: .file(path: path)))
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for index in 0..<1000 {
                        log.submit(AuditTestSupport.record(index, prefix: "t\(task)"))
                        if task == 0 && index == 500 {
                            _ = rename(path, rotated)
                            log.reopen()
                        }
                    }
                }
            }
        }
        await log.shutdown()
        // Reading back 8,000 lines is seconds of a debug build: off the cooperative pool.
        let (old, new, seqs, ids, result) = try await runOffThePool {
            let old = try AuditTestSupport.lines(rotated)
            let new = try AuditTestSupport.lines(path)
            let all = old + new
            let ids = Set(try all.map { try self.field("request_id", of: $0) ?? "" })
            return (old.count, new.count, try self.seqs(all), ids.count, try AuditChainVerifier().verify(paths: [rotated, path]))
        }
        #expect(old >= 501)
        #expect(new >= 499)
        #expect(old + new == 8000)
        #expect(seqs == Array(1...8000))
        #expect(ids == 8000)
        #expect(result.isValid)
        #expect(result.recordCount == 8000)
        #expect(log.recordsWritten == 8000)
    }

    @Test("records from several threads: each thread's in its order, one chain, and a reopen splits them where it was asked")
    func threadsKeepTheirOrderAndAReopenSplitsExactly() async throws {
        let path = try self.path()
        let rotated = path + ".1"
        let log = try AuditLog(configuration: .init(destination: .file(path: path)))
        // Each thread has a lane of its own: three threads at once, then a reopen, then three more.
        await Self.onThreads(3) { thread in
            for index in 0..<300 { log.submit(AuditTestSupport.record(index, prefix: "before\(thread)")) }
        }
        _ = rename(path, rotated)
        log.reopen()
        await Self.onThreads(3) { thread in
            for index in 0..<300 { log.submit(AuditTestSupport.record(index, prefix: "after\(thread)")) }
        }
        await log.shutdown()
        let old = try AuditTestSupport.lines(rotated)
        let new = try AuditTestSupport.lines(path)
        // Everything accepted before the reopen was asked for is in the old file, nothing after.
        let oldIDs = try old.map { try self.field("request_id", of: $0) ?? "" }
        let newIDs = try new.map { try self.field("request_id", of: $0) ?? "" }
        #expect(oldIDs.count == 900 && oldIDs.allSatisfy { $0.hasPrefix("before") })
        #expect(newIDs.count == 900 && newIDs.allSatisfy { $0.hasPrefix("after") })
        // Each thread's records keep the order it submitted them in.
        for prefix in ["before0", "before1", "before2", "after0", "after1", "after2"] {
            let ids = (oldIDs + newIDs).filter { $0.hasPrefix(prefix + "-") }
            #expect(ids == (0..<300).map { "\(prefix)-\($0)" })
        }
        #expect(try self.seqs(old + new) == Array(1...1800))
        let result = try AuditChainVerifier().verify(paths: [rotated, path])
        #expect(result.isValid && result.recordCount == 1800)
    }

    /// Runs `body` on `count` threads of their own at once and returns when all have finished.
    private static func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let group = DispatchGroup()
            for index in 0..<count {
                group.enter()
                Thread {
                    body(index)
                    group.leave()
                }.start()
            }
            group.notify(queue: .global()) { continuation.resume() }
        }
    }

    @Test("backpressure: overloaded above the high-water mark, called back on the loop below the low one")
    func backpressure() async throws {
        let directory = try AuditTestSupport.temporaryDirectory()
        let fifo = directory.appendingPathComponent("audit.fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        // A pipe nobody reads yet: the writer blocks once the pipe buffer is full.
        let reader = open(fifo, O_RDONLY | O_NONBLOCK)
        #expect(reader >= 0)
        let log = try AuditLog(
            configuration: .init(destination: .file(path: fifo), highWaterMark: 16, lowWaterMark: 4)
        )
        _ = fcntl(reader, F_SETFL, fcntl(reader, F_GETFL) & ~O_NONBLOCK)

        var admissions: [AuditAdmission] = []
        for index in 1...2000 {
            admissions.append(log.submit(AuditTestSupport.record(index)))
        }
        // At most a pipe buffer's worth (64 KiB, ~150 records) can have left the queue.
        #expect(admissions.last == .overloaded)
        #expect(log.queueDepth > 16)

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let fired = Flag()
        let (callbacks, callback) = AsyncStream<Bool>.makeStream()
        log.notifyWhenDrained(on: loop) {
            fired.set()
            callback.yield(loop.inEventLoop)
        }
        // Still overloaded: the writer cannot go on until the pipe is read.
        #expect(!fired.isSet)
        #expect(log.queueDepth > 4)

        let (contents, contentsDone) = AsyncStream<Data>.makeStream()
        Thread {
            var data = Data()
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = read(reader, &buffer, buffer.count)
                if count <= 0 { break }
                data.append(contentsOf: buffer[0..<count])
            }
            close(reader)
            contentsDone.yield(data)
            contentsDone.finish()
        }.start()

        var callbackIterator = callbacks.makeAsyncIterator()
        let ranOnLoop = await callbackIterator.next()
        #expect(ranOnLoop == true)
        #expect(fired.isSet)
        #expect(log.queueDepth <= 4)

        // Already drained enough: called back at once, still on the loop.
        let (again, againDone) = AsyncStream<Bool>.makeStream()
        await log.flush()
        log.notifyWhenDrained(on: loop) { againDone.yield(loop.inEventLoop) }
        var againIterator = again.makeAsyncIterator()
        let againOnLoop = await againIterator.next()
        #expect(againOnLoop == true)

        await log.shutdown()
        var contentsIterator = contents.makeAsyncIterator()
        let data = try #require(await contentsIterator.next())
        let copy = directory.appendingPathComponent("copy.log").path
        try data.write(to: URL(fileURLWithPath: copy))
        let result = try AuditChainVerifier().verify(paths: [copy])
        #expect(result.isValid)
        #expect(result.recordCount == 2000)
        try await group.shutdownGracefully()
    }

    @Test(
        "disk full: records are kept and retried, never dropped; at shutdown they go to the fallback",
        .enabled(if: FileManager.default.fileExists(atPath: "/dev/full"))
    )
    func diskFull() async throws {
        let fallbackPath = try self.path("fallback.log")
        let fallback = open(fallbackPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        #expect(fallback >= 0)
        var configuration = AuditLog.Configuration(
            destination: .file(path: "/dev/full"),
            shutdownWriteTimeout: .milliseconds(200)
        )
        configuration.fallbackDescriptor = fallback
        let log = try AuditLog(configuration: configuration)
        for index in 1...5 { log.submit(AuditTestSupport.record(index)) }
        // Every write fails with ENOSPC, so nothing leaves the queue before shutdown.
        #expect(log.queueDepth == 5)
        #expect(log.recordsWritten == 0)
        await log.shutdown()
        close(fallback)
        #expect(log.recordsWritten == 0)
        #expect(log.recordsSpilled == 5)
        #expect(log.queueDepth == 0)
        let lines = try AuditTestSupport.lines(fallbackPath)
        #expect(lines.count == 5)
        let result = try AuditChainVerifier().verify(paths: [fallbackPath])
        #expect(result.isValid)
        #expect(result.recordCount == 5)
    }

    @Test("a path that cannot be opened is an error at start")
    func openFailure() throws {
        let missing = try AuditTestSupport.temporaryDirectory().appendingPathComponent("no/such/dir/audit.log").path
        #expect(throws: AuditFileError.self) {
            _ = try AuditLog(configuration: .init(destination: .file(path: missing)))
        }
    }

    @Test("DiscardingAuditSink accepts and calls back at once on the loop")
    func discardingSink() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let sink: any AuditSink = DiscardingAuditSink()
        #expect(sink.submit(AuditTestSupport.record(1)) == .accepted)
        sink.submit(AuditTestSupport.record(2))  // as the proxy calls it: the result may be ignored
        let onLoop = await withCheckedContinuation { continuation in
            sink.notifyWhenDrained(on: loop) { continuation.resume(returning: loop.inEventLoop) }
        }
        #expect(onLoop)
        try await group.shutdownGracefully()
    }
}

/// A flag set from another thread.
private final class Flag: Sendable {
    private let value = Mutex(false)

    func set() { self.value.withLock { $0 = true } }

    var isSet: Bool { self.value.withLock { $0 } }
}
