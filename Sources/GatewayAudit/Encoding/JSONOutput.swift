/// Where `CanonicalJSON` writes: a growable `[UInt8]` (the verifier, the log handler, tests) or
/// a `JSONCursor` over memory reserved beforehand (the audit writer, once per record).
package protocol JSONOutput {
    /// Bytes written so far (for a cursor, since it was made).
    var count: Int { get }
    mutating func append(_ byte: UInt8)
    mutating func append(contentsOf bytes: UnsafeBufferPointer<UInt8>)
}

extension Array: JSONOutput where Element == UInt8 {}

/// Writes into memory whose size the caller has bounded beforehand: no growth, no uniqueness
/// check and no call into `Array` per piece (one comparison guards the bound: a wrong bound stops
/// the process rather than writing past the memory). An audit record is some sixty pieces,
/// and appending each to an array cost more than the rest of its encoding.
package struct JSONCursor: JSONOutput {
    private let base: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    /// Bytes written so far.
    package private(set) var count = 0

    package init(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        self.base = buffer.baseAddress!
        self.capacity = buffer.count
    }

    @inline(__always)
    package mutating func append(_ byte: UInt8) {
        precondition(self.count < self.capacity, "the caller's bound was too small")
        self.base[self.count] = byte
        self.count += 1
    }

    @inline(__always)
    package mutating func append(contentsOf bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress else { return }
        precondition(self.count + bytes.count <= self.capacity, "the caller's bound was too small")
        (self.base + self.count).update(from: source, count: bytes.count)
        self.count += bytes.count
    }
}
