import Foundation
import GatewayTestSupport

/// How many generated inputs each differential test runs: `HTTP1_DIFFERENTIAL_ITERATIONS`, or
/// 100,000 (the long run in `bench/http1-differential.sh` sets millions).
let differentialIterations: Int = {
    let value = ProcessInfo.processInfo.environment["HTTP1_DIFFERENTIAL_ITERATIONS"].flatMap { Int($0) }
    return max(value ?? 100_000, 1)
}()

/// How many threads the differential tests use, both tests together, and how many shards each
/// splits its inputs into: `HTTP1_DIFFERENTIAL_THREADS`, or 1. With one, the two tests take
/// turns on one core and leave the other to the rest of `swift test`, whose integration tests
/// have time limits; `bench/http1-differential.sh` uses every core.
let differentialThreads: Int = {
    let value = ProcessInfo.processInfo.environment["HTTP1_DIFFERENTIAL_THREADS"].flatMap { Int($0) }
    return max(value ?? 1, 1)
}()

private let differentialGate = DispatchSemaphore(value: differentialThreads)

/// Runs `work` for each of `differentialThreads` shards on Dispatch threads, not on Swift
/// concurrency's cooperative pool (a long synchronous loop there would stall every other test
/// meanwhile), at most `differentialThreads` at once across tests, and merges the tallies.
func runShards(_ work: @escaping @Sendable (Int) -> DifferentialTally) async -> DifferentialTally {
    await withTaskGroup(of: DifferentialTally.self) { group in
        for shard in 0..<differentialThreads {
            group.addTask {
                await withCheckedContinuation { continuation in
                    DispatchQueue.global().async {
                        differentialGate.wait()
                        defer { differentialGate.signal() }
                        continuation.resume(returning: work(shard))
                    }
                }
            }
        }
        var total = DifferentialTally()
        for await part in group { total.merge(part) }
        return total
    }
}

/// The counts a differential run keeps.
struct DifferentialTally: Sendable {
    var inputs = 0
    var messagesCompared = 0
    var bothAccepted = 0
    var bothRefused = 0
    /// Refused by this codec only, by reason (llhttp accepted).
    var onlyOursRefused: [String: Int] = [:]
    /// Refused by llhttp only, for a reason the codec deliberately accepts (by reason).
    var onlyLLHTTPRefusedAllowed: [String: Int] = [:]
    /// Disagreements that break the contract, with the input that shows each (a few kept).
    var violations = 0
    var violationExamples: [String] = []

    mutating func merge(_ other: DifferentialTally) {
        self.inputs += other.inputs
        self.messagesCompared += other.messagesCompared
        self.bothAccepted += other.bothAccepted
        self.bothRefused += other.bothRefused
        self.onlyOursRefused.merge(other.onlyOursRefused, uniquingKeysWith: +)
        self.onlyLLHTTPRefusedAllowed.merge(other.onlyLLHTTPRefusedAllowed, uniquingKeysWith: +)
        self.violations += other.violations
        self.violationExamples += other.violationExamples.prefix(max(0, 10 - self.violationExamples.count))
    }

    mutating func violation(_ what: String, _ input: [UInt8]) {
        self.violations += 1
        if self.violationExamples.count < 10 { self.violationExamples.append("\(what)\n  input: \(escaped(input))") }
    }

    var onlyOursRefusedTotal: Int { self.onlyOursRefused.values.reduce(0, +) }
    var onlyLLHTTPRefusedTotal: Int { self.onlyLLHTTPRefusedAllowed.values.reduce(0, +) }

    func report(_ title: String) -> String {
        func percent(_ count: Int) -> String {
            String(format: "%.1f%%", 100 * Double(count) / Double(max(self.inputs, 1)))
        }
        var lines = [
            "\(title): \(self.inputs) inputs, \(self.messagesCompared) messages compared",
            "  both accepted: \(self.bothAccepted) (\(percent(self.bothAccepted)))",
            "  both refused: \(self.bothRefused) (\(percent(self.bothRefused)))",
            "  only ours refused: \(self.onlyOursRefusedTotal) (\(percent(self.onlyOursRefusedTotal)))",
        ]
        for (reason, count) in self.onlyOursRefused.sorted(by: { $0.value > $1.value }) {
            lines.append("    \(count)\t\(reason)")
        }
        lines.append("  only llhttp refused, allowed: \(self.onlyLLHTTPRefusedTotal)")
        for (reason, count) in self.onlyLLHTTPRefusedAllowed.sorted(by: { $0.value > $1.value }) {
            lines.append("    \(count)\t\(reason)")
        }
        lines.append("  violations: \(self.violations)")
        return lines.joined(separator: "\n")
    }
}

/// Bytes as a Swift string literal body, for reports.
func escaped(_ bytes: [UInt8]) -> String {
    var text = ""
    for byte in bytes.prefix(600) {
        switch byte {
        case 0x0D: text += "\\r"
        case 0x0A: text += "\\n"
        case 0x09: text += "\\t"
        case 0x5C: text += "\\\\"
        case 0x22: text += "\\\""
        case 0x20...0x7E: text += String(UnicodeScalar(byte))
        default: text += "\\u{\(String(byte, radix: 16))}"
        }
    }
    return "\"" + text + (bytes.count > 600 ? "…" : "") + "\""
}

/// Byte-level mutations of a generated input: what a fuzzer would do to a request.
enum Mutator {
    static let interesting: [UInt8] = [
        0x0D, 0x0A, 0x20, 0x09, 0x00, 0x3A, 0x3B, 0x22, 0x2C, 0x7F, 0xFF, 0x80, 0x30, 0x35, 0x61, 0x2D, 0x2B, 0x3D,
        0x0B, 0x0C, 0x5C, 0x2F, 0x3F, 0x23,
    ]

    static func mutate(_ input: inout [UInt8], _ random: inout SplitMix64) {
        let count = 1 + random.int(3)
        for _ in 0..<count { self.mutateOnce(&input, &random) }
    }

    private static func randomByte(_ random: inout SplitMix64) -> UInt8 {
        random.chance(3, in: 4) ? random.pick(interesting) : UInt8(truncatingIfNeeded: random.next())
    }

    private static func mutateOnce(_ input: inout [UInt8], _ random: inout SplitMix64) {
        guard !input.isEmpty else {
            input.append(self.randomByte(&random))
            return
        }
        let at = random.int(input.count)
        switch random.int(10) {
        case 0:
            input.insert(self.randomByte(&random), at: at)
        case 1:
            input.remove(at: at)
        case 2:
            input[at] = self.randomByte(&random)
        case 3:
            // Duplicate the line around `at`.
            let (start, end) = self.line(around: at, in: input)
            input.insert(contentsOf: input[start..<end], at: end)
        case 4:
            // A CRLF becomes LF or CR.
            if let crlf = self.find([0x0D, 0x0A], in: input, from: at) {
                input.remove(at: random.chance(1, in: 2) ? crlf : crlf + 1)
            }
        case 5:
            // Flip the case of a letter.
            if let letter = input[at...].firstIndex(where: { ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }) {
                input[letter] ^= 0x20
            }
        case 6:
            input.insert(random.chance(1, in: 2) ? 0x20 : 0x09, at: at)
        case 7:
            // Whitespace right before a colon, or right after a line start.
            if let colon = input[at...].firstIndex(of: 0x3A) {
                input.insert(random.chance(1, in: 2) ? 0x20 : 0x09, at: colon)
            } else if let crlf = self.find([0x0D, 0x0A], in: input, from: at) {
                input.insert(0x20, at: crlf + 2)
            }
        case 8:
            // Change a digit (lengths, chunk sizes).
            if let digit = input[at...].firstIndex(where: { $0 >= 0x30 && $0 <= 0x39 }) {
                input[digit] = 0x30 + UInt8(random.int(10))
            }
        default:
            // Truncate, or delete a whole line.
            if random.chance(1, in: 3) {
                input.removeSubrange(at...)
            } else {
                let (start, end) = self.line(around: at, in: input)
                input.removeSubrange(start..<end)
            }
        }
    }

    private static func line(around index: Int, in input: [UInt8]) -> (Int, Int) {
        var start = index
        while start > 0, input[start - 1] != 0x0A { start -= 1 }
        var end = index
        while end < input.count, input[end] != 0x0A { end += 1 }
        return (start, min(end + 1, input.count))
    }

    private static func find(_ needle: [UInt8], in input: [UInt8], from: Int) -> Int? {
        guard input.count >= needle.count else { return nil }
        var index = from
        while index + needle.count <= input.count {
            if input[index] == needle[0], input[index + 1] == needle[1] { return index }
            index += 1
        }
        return nil
    }

    /// Cut points for feeding an input in pieces: a few random ones.
    static func splits(_ count: Int, _ random: inout SplitMix64) -> [Int] {
        guard count > 1 else { return [] }
        return (0..<(1 + random.int(4))).map { _ in random.int(count) }.sorted()
    }
}

extension Array where Element == UInt8 {
    mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { self.append(contentsOf: $0) }
    }
}

extension String {
    /// The UTF-8 bytes, copied at once (iterating `utf8` is slow in a debug build).
    var bytes: [UInt8] {
        var text = self
        return text.withUTF8 { Array($0) }
    }
}
