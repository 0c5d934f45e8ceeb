import Foundation
import Testing

/// `gateway demo --echo-only`: the demo's echo upstream alone, the quick start's "your API".
@Suite(.timeLimit(.minutes(3))) struct EchoUpstreamProcessTests {
    @Test func echoOnlyAnswersWithWhatItReceivedAndStopsOnSIGTERM() async throws {
        let port = try await freeLoopbackPort()
        let echo = try await ChildProcess.launch(["demo", "--echo-only", "--port", "\(port)"])
        let line = await echo.waitForLine(containing: "echo upstream listening")
        #expect(line?.contains("address=127.0.0.1:\(port)") == true, "\(echo.stderr)")
        let client = try await RawConnection.connect(port: port)
        try await client.send("GET /orders/7?x=1 HTTP/1.1\r\nHost: api\r\nX-Probe: yes\r\n\r\n")
        let response = try #require(try await client.readResponse())
        #expect(response.status == 200)
        #expect(response.bodyText.contains(#""target":"/orders/7?x=1""#))
        #expect(response.bodyText.contains(#""x-probe":"yes""#))
        await client.close()
        echo.signal(SIGTERM)
        #expect(await echo.waitForExit(within: .seconds(20)) == 0)

        // Its port taken, it says so and exits 1.
        let taken = try await TestUpstream.start()
        let second = try await ChildProcess.launch(["demo", "--echo-only", "--port", "\(taken.port)"])
        #expect(await second.waitForExit(within: .seconds(20)) == 1)
        #expect(second.stderr.contains("cannot listen on 127.0.0.1:\(taken.port) (echo upstream): address already in use"))
        await taken.stop()
    }
}
