import GatewayTestSupport
import Testing

/// What the tests wait for in a child's output: whole lines, counted, and nil once it closed.
@Suite struct OutputWatcherTests {
    @Test func aLineIsFoundOnlyOnceItIsWhole() async {
        let watcher = OutputWatcher()
        watcher.append("[info] listen")
        async let found = watcher.waitForLine(containing: "listening on")
        watcher.append("ing on 127.0.0.1:80")
        watcher.append("80\nnext")
        #expect(await found == "[info] listening on 127.0.0.1:8080")
        #expect(watcher.text == "[info] listening on 127.0.0.1:8080\nnext")
    }

    @Test func theNthOccurrenceWaitsForItsOwnLine() async {
        let watcher = OutputWatcher()
        watcher.append("reloaded 1\nreloaded 2\n")
        #expect(await watcher.waitForLine(containing: "reloaded", occurrence: 2) == "reloaded 2")
        async let third = watcher.waitForLine(containing: "reloaded", occurrence: 3)
        watcher.append("other\nreloaded 3\n")
        #expect(await third == "reloaded 3")
    }

    @Test func closingWakesWaitersWithNilAndLaterWaitsReturnAtOnce() async {
        let watcher = OutputWatcher()
        async let missing = watcher.waitForLine(containing: "never written")
        watcher.append("half a line")
        watcher.close()
        #expect(await missing == nil)
        #expect(await watcher.waitForLine(containing: "half a line") == nil)
        #expect(await watcher.waitForLine(containing: "anything") == nil)
    }
}
