internal import NIOCore

/// The bytes a decoder was fed and has not returned yet.
///
/// Fed buffers are kept as they are when nothing is pending (no copy). Only when bytes are still
/// pending, a partial head or line, are new ones appended: into a buffer of the decoder's own,
/// allocated once and then grown in place until a slice of it is handed out.
struct InputBuffer: Sendable {
    private(set) var bytes: ByteBuffer
    /// Whether `bytes` is storage this decoder allocated and no slice of it was handed out, so
    /// appending to it does not copy what was read before.
    private var ownsStorage = false

    init() {
        self.bytes = ByteBuffer()
    }

    var readableBytes: Int { self.bytes.readableBytes }
    var isEmpty: Bool { self.bytes.readableBytes == 0 }

    mutating func append(_ more: ByteBuffer) {
        guard more.readableBytes > 0 else { return }
        if self.bytes.readableBytes == 0 {
            self.bytes = more
            self.ownsStorage = false
        } else if self.ownsStorage {
            // Bytes already read are dead weight in storage only this decoder uses: drop them
            // before growing it, so a long stream of partial lines cannot grow it without bound.
            if self.bytes.readerIndex >= 4096, self.bytes.readerIndex > self.bytes.readableBytes {
                self.bytes.discardReadBytes()
            }
            self.bytes.writeImmutableBuffer(more)
        } else {
            let size = self.bytes.readableBytes + more.readableBytes
            var merged = ByteBufferAllocator().buffer(capacity: max(size, 1024))
            merged.writeImmutableBuffer(self.bytes)
            merged.writeImmutableBuffer(more)
            self.bytes = merged
            self.ownsStorage = true
        }
    }

    /// The first `length` bytes as a slice sharing storage; they are consumed.
    mutating func readSlice(length: Int) -> ByteBuffer {
        self.ownsStorage = false
        let slice = self.bytes.readSlice(length: length)!
        self.releaseIfEmpty()
        return slice
    }

    /// Drops the first `length` bytes.
    mutating func skip(_ length: Int) {
        self.bytes.moveReaderIndex(forwardBy: length)
        self.releaseIfEmpty()
    }

    /// Drops everything.
    mutating func removeAll() {
        self.bytes = ByteBuffer()
        self.ownsStorage = false
    }

    /// The first byte, if any.
    var first: UInt8? { self.bytes.getInteger(at: self.bytes.readerIndex, as: UInt8.self) }

    /// The byte at `offset` from the first, if it has arrived.
    func byte(at offset: Int) -> UInt8? {
        guard offset < self.bytes.readableBytes else { return nil }
        return self.bytes.getInteger(at: self.bytes.readerIndex + offset, as: UInt8.self)
    }

    /// Whether a byte other than the CRLFs of empty lines is buffered: the first byte of a message
    /// (or of junk). A lone CR at the end does not count yet: it may start an empty line.
    var hasByteBeyondEmptyLines: Bool {
        var offset = 0
        while let byte = self.byte(at: offset) {
            guard byte == ASCII.cr else { return true }
            guard let next = self.byte(at: offset + 1) else { return false }
            guard next == ASCII.lf else { return true }
            offset += 2
        }
        return false
    }

    func withUnsafeReadableBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try self.bytes.withUnsafeReadableBytes(body)
    }

    /// Lets go of the storage once everything was read, so that the next feed is not appended
    /// to it and the storage is freed as soon as the slices handed out are.
    private mutating func releaseIfEmpty() {
        if self.bytes.readableBytes == 0 {
            self.bytes = ByteBuffer()
            self.ownsStorage = false
        }
    }
}
