import GatewayHTTP1
import NIOCore

/// One field as strings, for comparing decoded messages in tests.
struct FieldPair: Equatable, CustomStringConvertible {
    var name: String
    var value: String

    init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    var description: String { "\(self.name): \(self.value)" }
}

/// A request as the codec decoded it, in plain values.
struct DecodedRequest: Equatable {
    var method: String
    var target: String
    var version: HTTP1Version
    var fields: [FieldPair]
    var framing: HTTP1BodyFraming
    var keepAlive: Bool
    var hasUpgrade: Bool
    var body: [UInt8] = []
    var trailers: [FieldPair]?
    var ended = false

    var bodyText: String { String(decoding: self.body, as: UTF8.self) }
}

/// What a whole input decoded to: the requests (the last possibly incomplete) and the error.
struct RequestOutcome: Equatable {
    var requests: [DecodedRequest] = []
    var error: HTTP1RequestError?
    var finished = false
}

extension HTTP1Fields {
    var pairs: [FieldPair] { self.map { FieldPair(self.string($0.name), self.string($0.value)) } }
}

/// Decodes `input` fed in pieces cut at `splits` (offsets, ascending), draining events after
/// each piece.
func decodeRequests(
    _ input: [UInt8],
    splits: [Int] = [],
    limits: HTTP1Limits = HTTP1Limits()
) -> RequestOutcome {
    var decoder = HTTP1RequestDecoder(limits: limits)
    var outcome = RequestOutcome()
    var start = 0
    for cut in splits + [input.count] where cut >= start {
        decoder.feed(ByteBuffer(bytes: input[start..<cut]))
        start = cut
        do {
            while let event = try decoder.next() {
                switch event {
                case .head(let head):
                    outcome.requests.append(
                        DecodedRequest(
                            method: head.method.rawValue,
                            target: head.targetString,
                            version: head.version,
                            fields: head.fields.pairs,
                            framing: head.framing,
                            keepAlive: head.keepAlive,
                            hasUpgrade: head.hasUpgrade
                        )
                    )
                case .body(let bytes):
                    outcome.requests[outcome.requests.count - 1].body += Array(bytes.readableBytesView)
                case .end(let trailers):
                    outcome.requests[outcome.requests.count - 1].trailers = trailers?.pairs
                    outcome.requests[outcome.requests.count - 1].ended = true
                }
            }
        } catch {
            outcome.error = error
            break
        }
    }
    outcome.finished = decoder.isFinished
    return outcome
}

func decodeRequests(_ input: String, splits: [Int] = [], limits: HTTP1Limits = HTTP1Limits()) -> RequestOutcome {
    decodeRequests(Array(input.utf8), splits: splits, limits: limits)
}
