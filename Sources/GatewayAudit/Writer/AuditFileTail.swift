#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// What the end of an existing audit file says about continuing its chain (SPEC §5: "when
/// appending to an existing file, its last record's `hash`").
///
/// Only the tail is read — 64 KiB, doubled while no line start is found — never the whole file,
/// so a gateway restarting onto a large log starts in constant time.
struct AuditFileTail: Equatable {
    /// The `hash` of the last complete record, or `nil` when the file is empty or its last
    /// record carries none (see `problem`).
    var lastHash: AuditHash?
    /// The file is non-empty and its last byte is not a newline (a write cut short, or another
    /// tool's text): the writer starts with a newline so its first record is a line of its own.
    var needsNewline: Bool
    /// Why the chain could not be taken up from the last line, for the operator's log.
    var problem: String?

    static let empty = AuditFileTail(lastHash: nil, needsNewline: false, problem: nil)

    private static let initialChunk = 64 * 1024
    /// No record is this long (the request head is limited far below), so stop looking.
    private static let maximumChunk = 16 * 1024 * 1024

    /// Reads the tail of the file at `path`; a missing file is empty.
    static func read(path: String) throws(AuditFileError) -> AuditFileTail {
        let descriptor: CInt
        do {
            descriptor = try SystemFile.openForReading(path)
        } catch {
            if error.errorNumber == ENOENT { return .empty }
            throw error
        }
        defer { SystemFile.closeFile(descriptor) }
        guard let size = SystemFile.size(descriptor) else { throw .read(path, errorNumber: errno) }
        return try Self.read(descriptor: descriptor, size: size, path: path)
    }

    static func read(descriptor: CInt, size: Int64, path: String) throws(AuditFileError) -> AuditFileTail {
        guard size > 0 else { return .empty }
        var chunk = Self.initialChunk
        while true {
            let count = Int(min(Int64(chunk), size))
            guard let bytes = SystemFile.readAt(descriptor, count: count, offset: size - Int64(count)),
                bytes.count == count
            else { throw .read(path, errorNumber: errno) }
            if let tail = Self.tail(of: bytes, isWholeFile: count == size) { return tail }
            guard chunk < Self.maximumChunk else {
                let needsNewline = bytes.last != UInt8(ascii: "\n")
                return AuditFileTail(lastHash: nil, needsNewline: needsNewline, problem: "the last line is too long")
            }
            chunk *= 4
        }
    }

    /// The tail found in the last `bytes` of a file, or `nil` when a line start lies before them.
    static func tail(of bytes: [UInt8], isWholeFile: Bool) -> AuditFileTail? {
        let needsNewline = bytes.last != UInt8(ascii: "\n")
        let end = needsNewline ? bytes.count : bytes.count - 1
        guard let start = Self.lineStart(in: bytes, before: end) ?? (isWholeFile ? 0 : nil) else { return nil }
        switch Self.hash(of: bytes[start..<end]) {
        case .success(let hash):
            return AuditFileTail(lastHash: hash, needsNewline: needsNewline, problem: nil)
        case .failure(let problem) where !needsNewline || start == 0:
            return AuditFileTail(lastHash: nil, needsNewline: needsNewline, problem: problem)
        case .failure:
            // An unterminated last line is a write cut short: take the chain up from the line
            // before it; `gateway audit verify` will still report the cut line.
            let previousEnd = start - 1
            guard let previousStart = Self.lineStart(in: bytes, before: previousEnd) ?? (isWholeFile ? 0 : nil) else {
                return nil
            }
            switch Self.hash(of: bytes[previousStart..<previousEnd]) {
            case .success(let hash):
                let problem = "the file ends in an incomplete line; the chain continues from the record before it"
                return AuditFileTail(lastHash: hash, needsNewline: true, problem: problem)
            case .failure(let problem):
                return AuditFileTail(lastHash: nil, needsNewline: true, problem: problem)
            }
        }
    }

    /// The index just after the newline before `end`, or `nil` when none is in `bytes`.
    private static func lineStart(in bytes: [UInt8], before end: Int) -> Int? {
        var index = end - 1
        while index >= 0 {
            if bytes[index] == UInt8(ascii: "\n") { return index + 1 }
            index -= 1
        }
        return nil
    }

    private enum HashResult {
        case success(AuditHash)
        case failure(String)
    }

    private static func hash(of line: ArraySlice<UInt8>) -> HashResult {
        let value: JSONValue
        do {
            value = try JSONReader.parse(line)
        } catch {
            return .failure("the last line is not a JSON record (\(error))")
        }
        guard case .string(let hex)? = value[member: "hash"], let hash = AuditHash(hex: hex) else {
            return .failure("the last record has no hash (written without hash_chain?)")
        }
        return .success(hash)
    }
}
