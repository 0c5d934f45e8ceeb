/// A message as either decoder saw it, in the terms both can be compared in.
struct ComparableMessage: Equatable {
    /// Method, target and version; or status and version (the reason phrase is not compared:
    /// NIO does not keep it).
    var startLine: String
    var fields: [FieldPair]
    var body: [UInt8] = []
    var trailers: [FieldPair]?
    var ended = false
    /// Compared one way only: the codec may close where llhttp keeps alive, never the reverse.
    var keepAlive: Bool
    /// The codec parses nothing after this message (Upgrade, CONNECT, 101): comparison stops.
    var stops = false

    func sameContent(as other: ComparableMessage) -> Bool {
        self.startLine == other.startLine && self.fields == other.fields && self.body == other.body
            && self.trailers == other.trailers && self.ended == other.ended
    }
}

/// What one decoder made of one input.
struct ComparableOutcome {
    var messages: [ComparableMessage] = []
    /// Why the decoder refused, if it did.
    var refusal: String?
    /// The codec only: it stopped parsing (the connection closes or changes protocol).
    var finished = false

    /// The index of the message the refusal happened in.
    var refusalIndex: Int? {
        guard self.refusal != nil else { return nil }
        return self.messages.firstIndex { !$0.ended } ?? self.messages.count
    }
}

/// llhttp's field values keep trailing whitespace; the codec's field values are trimmed of OWS
/// (RFC 9112 §5: OWS is not part of the value). Compare trimmed.
func trimmingTrailingWhitespace(_ value: String) -> String {
    var scalars = value.unicodeScalars[...]
    while let last = scalars.last, last == " " || last == "\t" { scalars = scalars.dropLast() }
    return String(String.UnicodeScalarView(scalars))
}

/// Compares the codec's outcome with llhttp's for one input and counts the verdict.
///
/// - Wherever llhttp refuses, the codec must refuse at or before the same message, except for
///   a reason `allowedLLHTTPRefusal` names (counted apart).
/// - Wherever both accept, every message up to there must be identical: start line, fields in
///   order, body bytes, trailers, whether it ended (so where the next one starts).
/// - Comparison stops after a message the codec stops at (Upgrade, CONNECT, 101): llhttp stops
///   parsing there too; that message's head is still compared.
func compareOutcomes(
    ours: ComparableOutcome,
    llhttp: ComparableOutcome,
    input: [UInt8],
    tally: inout DifferentialTally,
    allowedLLHTTPRefusal: (_ index: Int) -> String?
) {
    var oursIndex = ours.refusalIndex ?? Int.max
    var oursReason = ours.refusal
    let llhttpIndex = llhttp.refusalIndex ?? Int.max
    if ours.refusal == nil, ours.finished,
        llhttp.messages.count > ours.messages.count || llhttpIndex == ours.messages.count
    {
        oursIndex = ours.messages.count
        oursReason = "stopped after a message that closes or upgrades the connection"
    }
    let refusedAt = min(oursIndex, llhttpIndex)
    let stopIndex = ours.messages.indices.first { ours.messages[$0].stops && $0 < refusedAt }
    let compareCount: Int
    if let stopIndex {
        compareCount = stopIndex + 1
    } else if refusedAt == Int.max {
        compareCount = max(ours.messages.count, llhttp.messages.count)
    } else {
        compareCount = refusedAt
    }
    for index in 0..<compareCount {
        guard index < ours.messages.count, index < llhttp.messages.count else {
            tally.violation(
                "message \(index): codec has \(ours.messages.count) messages, llhttp \(llhttp.messages.count) "
                    + "(codec: \(ours.refusal ?? "accepted"), llhttp: \(llhttp.refusal ?? "accepted"))",
                input
            )
            return
        }
        let mine = ours.messages[index]
        let theirs = llhttp.messages[index]
        tally.messagesCompared += 1
        let same =
            index == stopIndex
            ? mine.startLine == theirs.startLine && mine.fields == theirs.fields
            : mine.sameContent(as: theirs)
        guard same else {
            tally.violation("message \(index) differs:\n  codec:  \(mine)\n  llhttp: \(theirs)", input)
            return
        }
        if mine.keepAlive, !theirs.keepAlive {
            tally.violation("message \(index): the codec keeps alive where llhttp closes", input)
            return
        }
    }
    if stopIndex != nil || refusedAt == Int.max {
        tally.bothAccepted += 1
    } else if oursIndex == llhttpIndex {
        tally.bothRefused += 1
    } else if oursIndex < llhttpIndex {
        tally.onlyOursRefused[oursReason ?? "?", default: 0] += 1
    } else if ours.refusal == nil, ours.messages.count <= llhttpIndex {
        // llhttp refused a head on a prefix (its method table, its URL parser) that the codec is
        // still reading: nothing of it was accepted; the codec decides when the head is complete.
        tally.onlyLLHTTPRefusedAllowed["a head llhttp refused early that the codec is still reading", default: 0] += 1
    } else if let reason = allowedLLHTTPRefusal(llhttpIndex) {
        tally.onlyLLHTTPRefusedAllowed[reason, default: 0] += 1
    } else {
        tally.violation(
            "llhttp refused message \(llhttpIndex) (\(llhttp.refusal ?? "")), the codec accepted it",
            input
        )
    }
}
