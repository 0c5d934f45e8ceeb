import GatewayTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The child-process helpers the tests start servers and tools with.
@Suite struct ChildProcessSupportTests {
    @Test func aCommandGivesItsStatusAndBothStreamsAndReadsItsInput() async throws {
        let result = try await Command.run("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"])
        #expect(result.status == 3)
        #expect(result.standardOutput == "out\n")
        #expect(result.standardError == "err\n")
        let echoed = try await Command.run("cat", [], input: "given on stdin")
        #expect(echoed.status == 0 && echoed.standardOutput == "given on stdin")
        let environment = try await Command.run("/bin/sh", ["-c", "echo \"$ONE${HOME:-unset}\""], environment: ["ONE": "1", "HOME": nil])
        #expect(environment.standardOutput == "1unset\n")
    }

    @Test func aBackgroundProcessStreamsItsOutputAndReportsTheSignalThatEndedIt() async throws {
        let (lines, sink) = AsyncStream<String>.makeStream()
        let closed = Mutex(false)
        let child = try await BackgroundProcess.launch(
            "/bin/sh", ["-c", "echo ready; echo warning >&2; exec sleep 30"],
            standardOutput: { sink.yield($0) },
            standardError: { sink.yield("stderr: " + $0) },
            closed: { closed.withLock { $0 = true } }
        )
        var seen = ""
        for await chunk in lines {
            seen += chunk
            if seen.contains("ready\n") && seen.contains("stderr: warning\n") { break }
        }
        #expect(!closed.withLock { $0 })
        child.signal(SIGTERM)
        #expect(try await child.exitStatus() == 128 + SIGTERM)
        #expect(closed.withLock { $0 })
        // Once it has exited, signals are not sent (its process id may be another's by now).
        child.signal(SIGKILL)
    }

    @Test func aMissingExecutableThrows() async {
        await #expect(throws: (any Error).self) {
            _ = try await BackgroundProcess.launch(
                "/nonexistent/binary", [], standardOutput: { _ in }, standardError: { _ in }
            )
        }
    }
}
