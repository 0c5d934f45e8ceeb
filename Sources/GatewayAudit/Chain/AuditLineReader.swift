#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads an audit file line by line in 256 KiB chunks, so verifying a large log needs little
/// memory. A last line without its newline is still a line.
struct AuditLineReader: ~Copyable {
    private static let chunkSize = 256 * 1024

    let path: String
    private let descriptor: CInt
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false
    /// The 1-based number of the line `next()` returned last.
    private(set) var lineNumber = 0

    init(path: String) throws(AuditFileError) {
        self.path = path
        self.descriptor = try SystemFile.openForReading(path)
    }

    deinit {
        SystemFile.closeFile(self.descriptor)
    }

    /// The next line without its newline, or `nil` at the end of the file.
    mutating func next() throws(AuditFileError) -> ArraySlice<UInt8>? {
        while true {
            if let newline = self.buffer[self.position...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = self.buffer[self.position..<newline]
                self.position = newline + 1
                self.lineNumber += 1
                return line
            }
            if self.atEnd {
                guard self.position < self.buffer.count else { return nil }
                let line = self.buffer[self.position...]
                self.position = self.buffer.count
                self.lineNumber += 1
                return line
            }
            self.buffer.removeFirst(self.position)
            self.position = 0
            guard let chunk = SystemFile.readNext(self.descriptor, upTo: Self.chunkSize) else {
                throw .read(self.path, errorNumber: errno)
            }
            if chunk.isEmpty {
                self.atEnd = true
            } else {
                self.buffer.append(contentsOf: chunk)
            }
        }
    }
}
