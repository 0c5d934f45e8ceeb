import Foundation
import GatewayMetrics
import GatewayPolicy
@testable import GatewayProxy
@testable import GatewayRules
import NIOCore
import NIOHTTP2
import Testing

/// The documentation stands alone and keeps up with the code: every link points at a file the
/// repository holds, and docs/reference.md names every reason code, rules-file key and metric
/// the gateway has.
@Suite struct DocumentationTests {
    static let root = CommandTests.repositoryRoot

    /// README.md and every page of docs/, with their paths from the repository's root.
    static func pages() throws -> [(path: String, text: String)] {
        let docs = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("docs").path)
            .filter { $0.hasSuffix(".md") }.sorted().map { "docs/\($0)" }
        return try (["README.md"] + docs).map { path in
            (path, try String(contentsOf: Self.root.appendingPathComponent(path), encoding: .utf8))
        }
    }

    static let reference: String = (try? String(contentsOf: Self.root.appendingPathComponent("docs/reference.md"), encoding: .utf8)) ?? ""

    @Test func everyRelativeLinkPointsAtAFileTheRepositoryHolds() throws {
        for (path, text) in try Self.pages() {
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().relativePath
            for match in Self.prose(of: text).matches(of: /\]\(([^)\s]+)\)/) {
                let target = String(match.1)
                if target.hasPrefix("http://") || target.hasPrefix("https://") || target.hasPrefix("#") { continue }
                let file = String(target.split(separator: "#", maxSplits: 1)[0])
                let resolved = Self.root.appendingPathComponent(folder == "." ? file : "\(folder)/\(file)").standardizedFileURL
                #expect(FileManager.default.fileExists(atPath: resolved.path), "\(path): \(target) does not exist")
            }
        }
    }

    @Test func noDocumentSendsReadersToAFileTheRepositoryDoesNotHold() throws {
        let shipped = try Self.pages() + ["gateway.conf.example", "deploy/systemd/gateway.conf", "deploy/systemd/gateway.service",
            "deploy/kubernetes/gateway.yaml", "deploy/container/Containerfile"].map {
            ($0, try String(contentsOf: Self.root.appendingPathComponent($0), encoding: .utf8))
        }
        for (path, text) in shipped {
            #expect(!text.contains("SPEC"), "\(path) mentions SPEC, which users do not have")
        }
    }

    @Test func referenceNamesEveryReasonCodeWithItsStatus() throws {
        let section = try #require(Self.section(titled: "## Reason codes"))
        for reason in DenyReason.allCases {
            let row = section.split(separator: "\n").first { $0.hasPrefix("| `\(reason.rawValue)` |") }
            #expect(row?.contains("| \(reason.status) |") == true, "reference.md: no row for \(reason.rawValue) \(reason.status): \(row ?? "none")")
        }
        for code in ["invalid_dpop_proof", "dpop_required", "client_closed"] {
            #expect(section.contains("`\(code)`"))
        }
    }

    @Test func referenceNamesEveryKeyOfTheRulesFile() {
        let tables: [(String, [String])] = [
            ("Top level", RulesDecoder.knownKeys.filter { $0 == "api_keys_file" }),
            ("`[server]`", ServerRules.knownKeys), ("`[admin]`", AdminRules.knownKeys), ("`[audit]`", AuditRules.knownKeys),
            ("`[jwt]`", JWTRules.knownKeys), ("`[replay]`", ReplayRules.knownKeys), ("`[[keys]]`", KeyRule.knownKeys),
            ("`[[jwks]]`", JWKSRule.knownKeys), ("`[[api_keys]]`", APIKeyRule.knownKeys),
            ("`[[signing_keys]]`", SigningKeyRule.knownKeys), ("`[[upstreams]]`", UpstreamRule.knownKeys),
            ("`[[routes]]`", RouteRule.knownKeys + ["dpop", "claims_to_headers"]),
            ("`[token_endpoint]`", TokenEndpointRules.knownKeys), ("`[dpop]`", ["algs", "window"]),
        ]
        for (table, keys) in tables {
            let section = Self.section(titled: "### \(table)")
            #expect(section != nil, "reference.md has no section \(table)")
            for key in keys {
                #expect(section?.contains("`\(key)`") == true, "reference.md, \(table): no \(key)")
            }
        }
        for table in RulesDecoder.knownKeys where table != "api_keys_file" {
            #expect(Self.reference.contains("`[\(table)]`") || Self.reference.contains("`[[\(table)]]`"), "no section for \(table)")
        }
    }

    @Test func referenceNamesEveryMetric() throws {
        let metrics = GatewayMetrics()
        metrics.requests(route: "r", decision: "allow", reason: "ok").increment()
        metrics.requestDuration(route: "r").record(nanoseconds: 1)
        metrics.upstreamDuration(upstream: "u").record(nanoseconds: 1)
        metrics.upstreamErrors(upstream: "u", kind: "connect").increment()
        metrics.dpopProofs(result: "accepted").increment()
        let exposition = String(decoding: metrics.exposition(), as: UTF8.self)
        let names = Set(exposition.matches(of: #/# TYPE (\w+) /#).map { String($0.1) })
        #expect(names.count >= 12)
        let section = try #require(Self.section(titled: "## Metrics"))
        for name in names {
            #expect(section.contains("| `\(name)` |"), "reference.md does not list \(name)")
        }
    }

    /// docs/operations.md "HTTP/2 limits" gives the bounds the gateway sets on an HTTP/2
    /// connection, with the figures in force.
    @Test func operationsGivesTheHTTP2LimitsInForce() throws {
        let operations = try String(contentsOf: Self.root.appendingPathComponent("docs/operations.md"), encoding: .utf8)
        let section = try #require(Self.section(titled: "### HTTP/2 limits", in: operations))
        let (connection, stream) = ProxyServer.http2Configuration(maxHeaderBytes: 16 * 1024)
        func setting(_ parameter: HTTP2SettingsParameter) -> Int? {
            connection.initialSettings.first { $0.parameter == parameter }?.value
        }
        func row(_ name: String) -> String {
            section.split(separator: "\n").first { $0.hasPrefix("| \(name)") }.map(String.init) ?? "no row \(name)"
        }
        func perWindow(_ count: Int, _ window: TimeAmount) -> String {
            "\(count) in \(window.nanoseconds / 1_000_000_000) s"
        }
        #expect(row("Concurrent streams").contains("| \(try #require(setting(.maxConcurrentStreams))) |"))
        #expect(setting(.maxHeaderListSize) == 16 * 1024)
        #expect(row("Header list").contains("| `max_header_bytes`"))
        #expect(row("CONTINUATION frames").contains("| \(connection.maximumSequentialContinuationFrames) |"))
        let resets = stream.streamResetFrameRateLimit
        #expect(row("RST_STREAM frames").contains("| \(perWindow(resets.maximumCount, resets.windowLength)) |"))
        let errors = stream.streamErrorRateLimit
        let glitches = connection.maximumConnectionGlitches
        #expect(
            row("Other streams the gateway resets").contains(
                "| \(perWindow(errors.maximumCount, errors.windowLength)), and \(glitches) in the connection's life |"
            )
        )
        #expect(connection.headerBlockValidation == .disabled)
        #expect(row("Malformed header blocks").contains("| \(HTTP2ConnectionStateMachine.maximumMalformedBlocks) in the connection's life |"))
        let control = connection.controlFrameRateLimit
        #expect(row("PING, SETTINGS").contains("| \(perWindow(control.maximumCount, control.windowLength)) |"))
        #expect(row("Control frames").contains("| \(Self.grouped(connection.maximumBufferedControlFrames)) |"))
        let window = try #require(setting(.initialWindowSize))
        #expect(row("Receive window per stream").contains("| \(Self.grouped(window)) bytes"))
        #expect(row("Receive window per connection").contains("| \(HTTP2ConnectionHandler.connectionWindow >> 20) MiB"))
        // What one connection can make the gateway hold (the prose, as one line).
        let prose = section.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let waiting = HTTP2ConnectionHandler.outboundHighWater / 1024
        #expect(prose.contains("at most \(waiting) KiB written and not yet taken"))
        #expect(prose.contains("(\(HTTP1ConnectionHandler.bufferLimit / 1024) KiB held while the exchange waits"))
    }

    /// docs/operations.md "What HTTP/1.1 the gateway accepts" gives the codec's fixed bounds,
    /// as the gateway configures them for clients and upstreams.
    @Test func operationsGivesTheHTTP1LimitsInForce() throws {
        let operations = try String(contentsOf: Self.root.appendingPathComponent("docs/operations.md"), encoding: .utf8)
        let section = try #require(Self.section(titled: "## What HTTP/1.1 the gateway accepts", in: operations))
        let prose = section.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        func limits(maxHeaderBytes: Int) -> ProxyConfiguration.Limits {
            ProxyConfiguration.Limits(
                maxHeaderBytes: maxHeaderBytes, maxBodyBytes: 1, maxURIBytes: 8 * 1024, headerTimeout: .seconds(1),
                idleTimeout: .seconds(1), maxConnections: 1, shutdownGrace: .seconds(1)
            )
        }
        let client = limits(maxHeaderBytes: 16 * 1024).http1
        let upstream = limits(maxHeaderBytes: 16 * 1024).upstreamHTTP1
        #expect(client.maxHeadBytes == 16 * 1024 && client.maxTargetBytes == 8 * 1024)
        #expect(prose.contains("a chunk-size line (size and extensions) over \(client.maxChunkLineBytes / 1024) KiB"))
        #expect(prose.contains("or more than \(client.maxFieldCount) field lines | 431"))
        #expect(prose.contains("a trailer section over \(client.maxTrailerBytes / 1024) KiB, or more than \(client.maxFieldCount) field lines"))
        #expect(upstream.maxChunkLineBytes == client.maxChunkLineBytes && upstream.maxFieldCount == client.maxFieldCount)
        #expect(upstream.maxTrailerBytes == client.maxTrailerBytes)
        let floor = limits(maxHeaderBytes: 1024).upstreamHTTP1.maxHeadBytes
        #expect(prose.contains("a head of up to `max_header_bytes` or \(floor / 1024) KiB, whichever is larger"))
    }

    /// `value` with a comma every three digits, as the documentation writes numbers.
    static func grouped(_ value: Int) -> String {
        var digits = String(value)
        var index = digits.endIndex
        while digits.distance(from: digits.startIndex, to: index) > 3 {
            index = digits.index(index, offsetBy: -3)
            digits.insert(",", at: index)
        }
        return digits
    }

    /// `markdown` without its code blocks and code spans, where `[x](y)` is not a link.
    static func prose(of markdown: String) -> String {
        var kept: [Substring] = []
        var inBlock = false
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("```") {
                inBlock.toggle()
                continue
            }
            if !inBlock { kept.append(line) }
        }
        return kept.joined(separator: "\n").replacing(/`[^`]*`/, with: "")
    }

    /// The text of `document` (the reference unless said) from `title` to the next heading of
    /// the same or a higher level.
    static func section(titled title: String, in document: String = Self.reference) -> String? {
        guard let start = document.range(of: "\n\(title)\n") else { return nil }
        let level = title.prefix { $0 == "#" }.count
        let rest = document[start.upperBound...]
        let heading = try? Regex("\n#{1,\(level)} ")
        let end = heading.flatMap { rest.firstRange(of: $0)?.lowerBound } ?? rest.endIndex
        return String(rest[..<end])
    }
}
