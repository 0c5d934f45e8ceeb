import Foundation
import Testing

/// Runs every shell command of docs/quickstart.md, in order, in a fresh folder, with the
/// `gateway` binary just built first on `PATH`, so that the quick start cannot drift from the
/// binary. Each ```sh block runs in its own `bash -e -o pipefail` and must exit 0.
///
/// An HTML comment on the line before a block says more (readers never see it):
/// - `<!-- quickstart-test: expect "A" "B" -->`: the block's output (stdout and stderr) holds
///   these strings in this order, compared without regard to case (header names are);
/// - `<!-- quickstart-test: background until "TEXT" -->`: the block is a server, started and left
///   running once its output holds TEXT, and stopped with SIGTERM at the end (it must exit 0);
/// - `<!-- quickstart-test: skip: REASON -->`: not run (only the build step is).
///
/// The ports the page prints (8080, 9000, 9901) are replaced with free ones, so the test runs
/// beside anything else on the machine.
@Suite(.timeLimit(.minutes(5))) struct QuickStartTests {
    struct Block {
        enum Kind: Equatable {
            case run(expecting: [String])
            case background(until: String)
            case skip
        }

        var kind: Kind
        var script: String
        var line: Int
    }

    static let page = CommandTests.repositoryRoot.appendingPathComponent("docs/quickstart.md")

    /// The ```sh blocks of `markdown`, with what the comment before each asks.
    static func blocks(of markdown: String) throws -> [Block] {
        var blocks: [Block] = []
        var marker: String?
        var current: [Substring]?
        var start = 0
        for (index, line) in markdown.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if var lines = current {
                if line == "```" {
                    blocks.append(Block(kind: try Self.kind(marker), script: lines.joined(separator: "\n"), line: start))
                    current = nil
                    marker = nil
                } else {
                    lines.append(line)
                    current = lines
                }
            } else if line == "```sh" {
                current = []
                start = index + 1
            } else if let match = line.wholeMatch(of: /<!-- quickstart-test: (.*) -->/) {
                marker = String(match.1)
            } else {
                marker = nil
            }
        }
        return blocks
    }

    private static func kind(_ marker: String?) throws -> Block.Kind {
        guard let marker else { return .run(expecting: []) }
        let quoted = marker.matches(of: /"((?:[^"\\]|\\.)*)"/).map {
            String($0.1).replacingOccurrences(of: #"\""#, with: "\"").replacingOccurrences(of: #"\\"#, with: "\\")
        }
        if marker.hasPrefix("skip:") { return .skip }
        if marker.hasPrefix("expect "), !quoted.isEmpty { return .run(expecting: quoted) }
        if marker.hasPrefix("background until "), quoted.count == 1 { return .background(until: quoted[0]) }
        throw TestError("unreadable quickstart-test comment: \(marker)")
    }

    @Test func everyCommandRunsAsPrinted() async throws {
        let blocks = try Self.blocks(of: String(contentsOf: Self.page, encoding: .utf8))
        #expect(blocks.filter { $0.kind == .skip }.count == 1, "only the build step may be skipped")
        #expect(blocks.filter { if case .background = $0.kind { true } else { false } }.count == 2)
        #expect(blocks.count >= 10)

        let directory = try makeTemporaryDirectory("quickstart")
        defer { try? FileManager.default.removeItem(at: directory) }
        let gatewayPort = try await freeLoopbackPort()
        let apiPort = try await freeLoopbackPort()
        let adminPort = try await freeLoopbackPort()
        let binaries = GatewayProcess.executable.deletingLastPathComponent().path
        let environment = ["PATH": binaries + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]
        let bash = URL(fileURLWithPath: "/bin/bash")

        var servers: [(process: ChildProcess, line: Int)] = []
        defer { for server in servers { server.process.signal(SIGKILL) } }
        for block in blocks {
            let script = block.script
                .replacingOccurrences(of: "127.0.0.1:8080", with: "127.0.0.1:\(gatewayPort)")
                .replacingOccurrences(of: "127.0.0.1:9000", with: "127.0.0.1:\(apiPort)")
                .replacingOccurrences(of: "--port 9000", with: "--port \(apiPort)")
                .replacingOccurrences(of: "127.0.0.1:9901", with: "127.0.0.1:\(adminPort)")
            switch block.kind {
            case .skip:
                continue
            case .background(let text):
                let server = try await ChildProcess.launch(
                    ["-c", "exec " + script.trimmingCharacters(in: .whitespacesAndNewlines)],
                    executable: bash,
                    environment: environment,
                    directory: directory
                )
                let ready = await server.waitForLine(containing: text)
                try #require(ready != nil, "quickstart.md:\(block.line): the server exited: \(server.stdout)\(server.stderr)")
                servers.append((server, block.line))
            case .run(let expected):
                let shell = try await ChildProcess.launch(
                    ["-e", "-o", "pipefail", "-c", script],
                    executable: bash,
                    environment: environment,
                    directory: directory
                )
                let status = await shell.waitForExit(within: .seconds(60))
                let output = shell.stdout + shell.stderr
                try #require(status == 0, "quickstart.md:\(block.line) exited \(String(describing: status)):\n\(script)\n\(output)")
                var rest = output.lowercased()[...]
                for text in expected {
                    guard let found = rest.range(of: text.lowercased()) else {
                        Issue.record("quickstart.md:\(block.line): no \"\(text)\" (in order) in:\n\(output)")
                        break
                    }
                    rest = rest[found.upperBound...]
                }
            }
        }
        // Ctrl-C in each terminal, gateway first: both stop cleanly.
        for server in servers.reversed() {
            server.process.signal(SIGINT)
            let status = await server.process.waitForExit(within: .seconds(30))
            #expect(status == 0, "quickstart.md:\(server.line): exit \(String(describing: status))\n\(server.process.stderr)")
        }
        servers.removeAll()
        let audit = try String(contentsOf: directory.appendingPathComponent("audit.jsonl"), encoding: .utf8)
        #expect(audit.contains(#""decision":"allow""#) && audit.contains(#""decision":"deny""#))
    }
}
