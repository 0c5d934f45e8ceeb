import Foundation
import Testing

/// `gateway --version`, `--log-level` and `--log-format` (SPEC §1), read off a real process.
@Suite(.timeLimit(.minutes(3))) struct LoggingProcessTests {
    @Test func versionNamesTheReleaseAndSaysWhenTheCommitIsUnknown() async throws {
        let plain = try await ChildProcess.launch(["--version"], removingFromEnvironment: ["GATEWAY_COMMIT"])
        #expect(await plain.waitForExit(within: .seconds(20)) == 0)
        let line = plain.stdout.trimmingCharacters(in: .newlines)
        #expect(line.wholeMatch(of: /gateway \d+\.\d+\.\d+ \(commit unknown\)/) != nil, "\(line)")

        let built = try await ChildProcess.launch(["--version"], environment: ["GATEWAY_COMMIT": "1A2b3c4d"])
        #expect(await built.waitForExit(within: .seconds(20)) == 0)
        #expect(built.stdout.contains("(commit 1a2b3c4d)"))
    }

    @Test func jsonLogsAreOneObjectPerLineWithTheFieldsOfTheTextForm() async throws {
        let upstream = try await TestUpstream.start()
        let (directory, path) = try StartupProcessTests.write(
            StartupProcessTests.rules(listen: "127.0.0.1:0", admin: "127.0.0.1:0", upstreamPort: upstream.port),
            prefix: "logging"
        )
        defer { try? FileManager.default.removeItem(at: directory) }
        let gateway = try await ChildProcess.launch(["run", "-c", path, "--log-format", "json"])
        #expect(await gateway.waitForLine(containing: #""message":"ready""#) != nil, "\(gateway.stderr)")
        gateway.signal(SIGTERM)
        #expect(await gateway.waitForExit(within: .seconds(30)) == 0)

        var records: [[String: Any]] = []
        for line in gateway.stderr.split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            let record = try #require(object as? [String: Any], "not an object: \(line)")
            #expect(Set(record.keys) == ["ts", "level", "label", "source", "message", "metadata"], "\(line)")
            let ts = try #require(record["ts"] as? String)
            #expect(ts.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil)
            #expect(record["label"] as? String == "gateway")
            #expect(record["metadata"] is [String: Any])
            records.append(record)
        }
        func metadata(of message: String) -> [String: String]? {
            records.first { $0["message"] as? String == message }?["metadata"] as? [String: String]
        }
        #expect(metadata(of: "rules loaded")?["path"] == path)
        #expect(metadata(of: "rules loaded")?["routes"] == "1")
        #expect(metadata(of: "listening")?["address"]?.hasPrefix("127.0.0.1:") == true)
        #expect(metadata(of: "admin listening")?["address"]?.hasPrefix("127.0.0.1:") == true)
        #expect(metadata(of: "signal received; draining")?["signal"] == "SIGTERM")
        #expect(metadata(of: "exiting")?["status"] == "0")
        await upstream.stop()
    }

    @Test func logLevelLeavesOutLessSevereLines() async throws {
        let taken = try await TestUpstream.start()
        let (directory, path) = try StartupProcessTests.write(
            StartupProcessTests.rules(listen: "127.0.0.1:\(taken.port)", admin: nil),
            prefix: "logging"
        )
        defer { try? FileManager.default.removeItem(at: directory) }
        let quiet = try await ChildProcess.launch(["run", "-c", path, "--log-level", "warning"])
        #expect(await quiet.waitForExit(within: .seconds(20)) == 1)
        #expect(quiet.stderr.contains("error gateway: [GatewayApp] cannot listen on 127.0.0.1:\(taken.port) (proxy)"))
        #expect(!quiet.stderr.contains(" info "), "\(quiet.stderr)")

        let chatty = try await ChildProcess.launch(["run", "-c", path, "--log-level", "trace"])
        #expect(await chatty.waitForExit(within: .seconds(20)) == 1)
        #expect(chatty.stderr.contains("info gateway: api_keys=0"))

        let wrong = try await ChildProcess.launch(["run", "-c", path, "--log-level", "loud"])
        #expect(await wrong.waitForExit(within: .seconds(20)) == 64)
        #expect(wrong.stderr.contains("--log-level"))
        await taken.stop()
    }
}
