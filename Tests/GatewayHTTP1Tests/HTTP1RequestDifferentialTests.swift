import GatewayHTTP1
import GatewayTestSupport
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

/// The request decoder against llhttp (NIO's `HTTPRequestDecoder`), on generated and mutated
/// inputs (see `DifferentialComparison` for what must agree). Each input is also decoded by the
/// codec split at random points, which must not change the outcome.
@Suite struct HTTP1RequestDifferentialTests {
    @Test func requestsAgreeWithLLHTTP() async {
        let perShard = (differentialIterations + differentialThreads - 1) / differentialThreads
        let tally = await runShards { Self.run(shard: $0, count: perShard) }
        print(tally.report("HTTP/1.1 request decoder vs llhttp"))
        #expect(tally.violations == 0, "\(tally.violationExamples.joined(separator: "\n"))")
        #expect(tally.inputs >= differentialIterations)
        // The generator must produce requests both accept, not just garbage: a large share.
        #expect(tally.bothAccepted * 100 >= tally.inputs * 40, "both accepted: \(tally.bothAccepted)")
        #expect(tally.bothRefused * 100 >= tally.inputs * 10)
        // The codec is stricter, but not so much that it refuses what llhttp mostly accepts.
        #expect(tally.onlyOursRefusedTotal * 100 <= tally.inputs * 25)
        #expect(tally.messagesCompared >= tally.inputs)
    }

    static func run(shard: Int, count: Int) -> DifferentialTally {
        var generator = RequestGenerator(random: SplitMix64(seed: 0x4854_5450_0000 + UInt64(shard)))
        var random = SplitMix64(seed: 0x5350_4C49_5400 + UInt64(shard))
        var tally = DifferentialTally()
        var methodAccepted: [String: Bool] = [:]
        let oracle = LLHTTPRequestOracle()
        for iteration in 0..<count {
            var input = generator.requests()
            if random.chance(1, in: 3) { Mutator.mutate(&input, &random) }
            tally.inputs += 1
            let ours = decodeRequests(input)
            let split = decodeRequests(input, splits: Mutator.splits(input.count, &random))
            guard split == ours else {
                tally.violation("split feeding changed the outcome:\n  whole: \(ours)\n  split: \(split)", input)
                continue
            }
            if iteration % 1024 == 0 {
                let bytewise = decodeRequests(input, splits: Array(0..<input.count))
                guard bytewise == ours else {
                    tally.violation("byte-by-byte feeding changed the outcome", input)
                    continue
                }
            }
            let llhttp = oracle.decode(input)
            let comparableOurs = ours.comparable
            compareOutcomes(ours: comparableOurs, llhttp: llhttp, input: input, tally: &tally) { index in
                // llhttp knows a fixed table of methods; the codec takes any token (RFC 9110 §9.1).
                guard index < ours.requests.count else { return nil }
                let method = ours.requests[index].method
                let accepted: Bool
                if let known = methodAccepted[method] {
                    accepted = known
                } else {
                    accepted = oracle.decode(Array("\(method) / HTTP/1.1\r\nHost: a\r\n\r\n".utf8)).refusal == nil
                    methodAccepted[method] = accepted
                }
                return accepted ? nil : "a method outside llhttp's table (any token is a method: RFC 9110 §9.1)"
            }
        }
        return tally
    }
}

extension RequestOutcome {
    var comparable: ComparableOutcome {
        var outcome = ComparableOutcome()
        outcome.messages = self.requests.map { request in
            ComparableMessage(
                startLine: "\(request.method) \(request.target) \(request.version == .http1_1 ? "1.1" : "1.0")",
                fields: request.fields,
                body: request.body,
                trailers: request.trailers,
                ended: request.ended,
                keepAlive: request.keepAlive,
                stops: request.hasUpgrade || request.method == "CONNECT"
            )
        }
        outcome.refusal = self.error.map { "\($0.kind): \($0.detail)" }
        outcome.finished = self.finished
        return outcome
    }
}

/// Decodes inputs with llhttp, as NIO's `HTTPRequestDecoder` behind a `ByteToMessageHandler`
/// in an `EmbeddedChannel`. The channel is reused (creating one costs more than parsing a
/// request); each input gets a fresh decoder.
final class LLHTTPRequestOracle {
    private let channel = EmbeddedChannel()

    func decode(_ input: [UInt8]) -> ComparableOutcome {
        let handler = ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes))
        try! self.channel.pipeline.syncOperations.addHandler(handler)
        var outcome = ComparableOutcome()
        do {
            try self.channel.writeInbound(self.channel.allocator.buffer(bytes: input))
        } catch {
            outcome.refusal = "\(error)"
        }
        while let part = try? self.channel.readInbound(as: HTTPServerRequestPart.self) {
            switch part {
            case .head(let head):
                let version = head.version == .http1_1 ? "1.1" : head.version == .http1_0 ? "1.0" : "\(head.version)"
                outcome.messages.append(
                    ComparableMessage(
                        // NIO spells llhttp's M-SEARCH without its dash.
                        startLine:
                            "\(head.method == .MSEARCH ? "M-SEARCH" : head.method.rawValue) \(head.uri) \(version)",
                        fields: head.headers.map { FieldPair($0.name, trimmingTrailingWhitespace($0.value)) },
                        keepAlive: head.isKeepAlive
                    )
                )
            case .body(let bytes):
                outcome.messages[outcome.messages.count - 1].body += Array(bytes.readableBytesView)
            case .end(let trailers):
                outcome.messages[outcome.messages.count - 1].trailers = trailers.map { fields in
                    fields.map { FieldPair($0.name, trimmingTrailingWhitespace($0.value)) }
                }
                outcome.messages[outcome.messages.count - 1].ended = true
            }
        }
        self.channel.pipeline.syncOperations.removeHandler(handler, promise: nil)
        self.channel.embeddedEventLoop.run()
        while (try? self.channel.readInbound(as: HTTPServerRequestPart.self)) != nil {}
        _ = try? self.channel.throwIfErrorCaught()
        return outcome
    }
}
