import GatewayHTTP1
import GatewayTestSupport
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

/// The response decoder against llhttp (NIO's `HTTPResponseDecoder`, told of each request by an
/// outbound `HTTPClientRequestPart.head`, so bodiless responses to `HEAD` are covered), on
/// generated and mutated inputs, each also decoded split at random points.
@Suite struct HTTP1ResponseDifferentialTests {
    @Test func responsesAgreeWithLLHTTP() async {
        let perShard = (differentialIterations + differentialThreads - 1) / differentialThreads
        let tally = await runShards { Self.run(shard: $0, count: perShard) }
        print(tally.report("HTTP/1.1 response decoder vs llhttp"))
        #expect(tally.violations == 0, "\(tally.violationExamples.joined(separator: "\n"))")
        #expect(tally.inputs >= differentialIterations)
        #expect(tally.bothAccepted * 100 >= tally.inputs * 40, "both accepted: \(tally.bothAccepted)")
        #expect(tally.bothRefused * 100 >= tally.inputs * 10)
        #expect(tally.onlyOursRefusedTotal * 100 <= tally.inputs * 25)
        #expect(tally.onlyLLHTTPRefusedTotal == 0)
    }

    static func run(shard: Int, count: Int) -> DifferentialTally {
        var generator = ResponseGenerator(random: SplitMix64(seed: 0x5245_5350_0000 + UInt64(shard)))
        var random = SplitMix64(seed: 0x5245_5350_5300 + UInt64(shard))
        var tally = DifferentialTally()
        let oracle = LLHTTPResponseOracle()
        for iteration in 0..<count {
            var (input, toHEAD) = generator.responses()
            if random.chance(1, in: 3) { Mutator.mutate(&input, &random) }
            tally.inputs += 1
            let ours = decodeResponses(input, toHEAD: toHEAD)
            let split = decodeResponses(input, toHEAD: toHEAD, splits: Mutator.splits(input.count, &random))
            guard split == ours else {
                tally.violation("split feeding changed the outcome:\n  whole: \(ours)\n  split: \(split)", input)
                continue
            }
            if iteration % 1024 == 0 {
                guard decodeResponses(input, toHEAD: toHEAD, splits: Array(0..<input.count)) == ours else {
                    tally.violation("byte-by-byte feeding changed the outcome", input)
                    continue
                }
            }
            let llhttp = oracle.decode(input, toHEAD: toHEAD)
            compareOutcomes(ours: ours.comparable, llhttp: llhttp, input: input, tally: &tally) { _ in nil }
        }
        return tally
    }
}

extension ResponseOutcome {
    var comparable: ComparableOutcome {
        var outcome = ComparableOutcome()
        outcome.messages = self.responses.map { response in
            ComparableMessage(
                startLine: "\(response.status) \(response.version == .http1_1 ? "1.1" : "1.0")"
                    + (response.informational ? " informational" : ""),
                fields: response.fields,
                body: response.body,
                trailers: response.trailers,
                ended: response.ended || response.informational,
                keepAlive: false,
                stops: response.status == 101
            )
        }
        outcome.refusal = self.error.map { "\($0.kind): \($0.detail)" }
        outcome.finished = self.finishedBeforeEnd
        return outcome
    }
}

/// Decodes inputs with llhttp, as NIO's `HTTPResponseDecoder` behind a `ByteToMessageHandler`
/// in a reused `EmbeddedChannel`: for each input a fresh decoder is told of one request head per
/// entry of `toHEAD` (as an outbound `HTTPClientRequestPart.head` would), then the input
/// arrives and closes.
final class LLHTTPResponseOracle {
    private let channel = EmbeddedChannel()

    func decode(_ input: [UInt8], toHEAD: [Bool]) -> ComparableOutcome {
        let decoder = HTTPResponseDecoder(leftOverBytesStrategy: .dropBytes, informationalResponseStrategy: .forward)
        let handler = ByteToMessageHandler(decoder)
        try! self.channel.pipeline.syncOperations.addHandler(handler)
        for head in toHEAD {
            decoder.write(data: .head(HTTPRequestHead(version: .http1_1, method: head ? .HEAD : .GET, uri: "/")))
        }
        var outcome = ComparableOutcome()
        do {
            try self.channel.writeInbound(self.channel.allocator.buffer(bytes: input))
        } catch {
            outcome.refusal = "\(error)"
        }
        self.drain(into: &outcome)
        if outcome.refusal == nil {
            self.channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            do {
                try self.channel.throwIfErrorCaught()
            } catch {
                outcome.refusal = "\(error)"
            }
            self.drain(into: &outcome)
        }
        self.channel.pipeline.syncOperations.removeHandler(handler, promise: nil)
        self.channel.embeddedEventLoop.run()
        while (try? self.channel.readInbound(as: HTTPClientResponsePart.self)) != nil {}
        _ = try? self.channel.throwIfErrorCaught()
        return outcome
    }

    private func drain(into outcome: inout ComparableOutcome) {
        while let part = try? self.channel.readInbound(as: HTTPClientResponsePart.self) {
            switch part {
            case .head(let head):
                let informational = (100..<200).contains(head.status.code) && head.status.code != 101
                let version = head.version == .http1_1 ? "1.1" : head.version == .http1_0 ? "1.0" : "\(head.version)"
                outcome.messages.append(
                    ComparableMessage(
                        startLine: "\(head.status.code) \(version)" + (informational ? " informational" : ""),
                        fields: head.headers.map { FieldPair($0.name, trimmingTrailingWhitespace($0.value)) },
                        ended: informational,
                        keepAlive: true
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
    }
}
