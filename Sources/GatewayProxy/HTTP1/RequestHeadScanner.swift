/// Finds where an HTTP/1.1 request head ends and enforces the head limits before any byte of
/// it reaches the HTTP parser (SPEC §9 "Bodies": `max_header_bytes` counts the whole head,
/// request line included; `max_uri_bytes` counts the request target).
///
/// Hand-written because llhttp (NIO's parser) reports only a generic overflow, not whether the
/// target or the fields were too long, and gives no request line for a refused head. This
/// scanner does not parse: it only finds line ends. The framing itself stays llhttp's, which
/// is fed each head in one piece once the scanner has found its end.
struct RequestHeadScanner {
    /// The outcome of looking at the bytes buffered so far for one head.
    enum Outcome: Equatable {
        /// The head is not complete yet and within its limits.
        case needMore
        /// The head ends after `length` bytes (leading empty lines included).
        case complete(length: Int)
        /// The request target exceeds `max_uri_bytes` (414; no audit record: the request line
        /// was not read).
        case uriTooLong
        /// The head exceeds `max_header_bytes` (431).
        case headTooLarge
    }

    let maxHeadBytes: Int
    let maxTargetBytes: Int

    /// Bytes already examined (scanning resumes there when more arrive).
    private var scanned = 0
    /// Where the request line starts (after any leading CRLFs), once known.
    private var lineStart: Int?
    /// Offset of the request line's LF, once seen.
    private var lineEnd: Int?

    init(maxHeadBytes: Int, maxTargetBytes: Int) {
        self.maxHeadBytes = maxHeadBytes
        self.maxTargetBytes = maxTargetBytes
    }

    /// Forgets the current head: the next bytes start a new one.
    mutating func reset() {
        self.scanned = 0
        self.lineStart = nil
        self.lineEnd = nil
    }

    /// The request line's bytes (without CR/LF), once its LF has been seen.
    func requestLineRange() -> Range<Int>? {
        guard let start = self.lineStart, let end = self.lineEnd else { return nil }
        let trimmedEnd = end > start ? end - 1 : end
        return start..<trimmedEnd
    }

    /// Examines `bytes`, the buffered bytes of the current head from its first byte on.
    mutating func scan(_ bytes: UnsafeRawBufferPointer) -> Outcome {
        let lf = UInt8(ascii: "\n")
        let cr = UInt8(ascii: "\r")
        var index = self.scanned
        // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request line.
        if self.lineStart == nil {
            while index < bytes.count, bytes[index] == cr || bytes[index] == lf { index += 1 }
            guard index < bytes.count else {
                self.scanned = index
                return index > 64 ? .headTooLarge : .needMore
            }
            self.lineStart = index
        }
        while index < bytes.count {
            guard bytes[index] == lf else {
                index += 1
                continue
            }
            if self.lineEnd == nil {
                self.lineEnd = index
                if self.targetLength(in: bytes) > self.maxTargetBytes { return .uriTooLong }
            } else if Self.lineIsEmpty(bytes, lfAt: index) {
                let length = index + 1
                return length - self.lineStart! > self.maxHeadBytes ? .headTooLarge : .complete(length: length)
            }
            index += 1
        }
        self.scanned = index
        if self.lineEnd == nil, self.targetLength(in: bytes) > self.maxTargetBytes { return .uriTooLong }
        return bytes.count - self.lineStart! > self.maxHeadBytes ? .headTooLarge : .needMore
    }

    /// Whether the line ending at `lfAt` is empty: the byte before is LF, or CR preceded by LF.
    private static func lineIsEmpty(_ bytes: UnsafeRawBufferPointer, lfAt index: Int) -> Bool {
        let lf = UInt8(ascii: "\n")
        if index >= 1, bytes[index - 1] == lf { return true }
        return index >= 2 && bytes[index - 1] == UInt8(ascii: "\r") && bytes[index - 2] == lf
    }

    /// Length of the request target: from after the first space to the last space of the line
    /// (or to what has arrived, while the line is incomplete).
    private func targetLength(in bytes: UnsafeRawBufferPointer) -> Int {
        guard let start = self.lineStart else { return 0 }
        let end = self.lineEnd ?? bytes.count
        var firstSpace: Int?
        var index = start
        while index < end {
            if bytes[index] == UInt8(ascii: " ") {
                firstSpace = index
                break
            }
            index += 1
        }
        guard let targetStart = firstSpace.map({ $0 + 1 }) else { return 0 }
        guard self.lineEnd != nil else { return end - targetStart }
        var lastSpace = end - 1
        while lastSpace > targetStart, bytes[lastSpace] != UInt8(ascii: " ") { lastSpace -= 1 }
        return lastSpace > targetStart ? lastSpace - targetStart : end - targetStart
    }
}
