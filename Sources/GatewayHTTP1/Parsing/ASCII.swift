/// Byte classes of the HTTP grammar and allocation-free comparisons, as tests on a byte (no
/// tables to load, no `Character`).
enum ASCII {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let sp: UInt8 = 0x20
    static let htab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A
    static let semicolon: UInt8 = 0x3B
    static let comma: UInt8 = 0x2C
    static let equals: UInt8 = 0x3D
    static let quote: UInt8 = 0x22
    static let backslash: UInt8 = 0x5C

    /// `tchar` (RFC 9110 §5.6.2): `!#$%&'*+-.^_`|~`, digits and letters, as a 128-bit set.
    @inline(__always)
    static func isTChar(_ byte: UInt8) -> Bool {
        if byte < 64 { return (0x03FF_6CFA_0000_0000 as UInt64) >> byte & 1 == 1 }
        if byte < 128 { return (0x57FF_FFFF_C7FF_FFFE as UInt64) >> (byte &- 64) & 1 == 1 }
        return false
    }

    /// A byte of a field value (RFC 9110 §5.5): HTAB, SP, VCHAR or obs-text; every control
    /// character but HTAB is refused, NUL and DEL included.
    @inline(__always)
    static func isFieldValueByte(_ byte: UInt8) -> Bool {
        byte >= 0x20 ? byte != 0x7F : byte == 0x09
    }

    /// The offset of the first byte of `bytes[start..<end]` that is not a field-value byte
    /// (`isFieldValueByte`), or `end`.
    ///
    /// Sixteen bytes at a time while sixteen remain (two SIMD compares and a mask, about 12
    /// instructions; `firstControlOrDelete` gives the exact lane of the first stop, and an HTAB
    /// there is stepped over), then eight at a time (SWAR: a word test instead of eight byte
    /// tests), then byte by byte: a bearer token or a cookie is hundreds of bytes, the byte loop
    /// cost about 15 instructions a byte and the word loop 2.6. A value usually has sixteen bytes
    /// after its start in the buffer (its own and the lines after it), so the vector finds the
    /// CR that ends it. A word with a byte below 0x20 or a DEL goes to the byte loop, which
    /// decides; `ASCIIScanTests` holds the result to the byte loop's on every byte value in every
    /// position.
    @inline(__always)
    static func fieldValueEnd(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Int {
        var index = start
        while end &- index >= 16 {
            guard let lane = firstControlOrDelete(bytes.loadUnaligned(fromByteOffset: index, as: SIMD16<UInt8>.self)) else {
                index &+= 16
                continue
            }
            index &+= lane
            guard bytes[index] == htab else { return index }
            index &+= 1
        }
        if end &- index >= 8, !hasControlOrDelete(bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)) {
            index &+= 8
        }
        while index < end, isFieldValueByte(bytes[index]) { index += 1 }
        return index
    }

    /// The lane of the first byte of `chunk` below 0x20 or equal to 0x7F (bytes 0x80–0xFF count
    /// as neither), or nil. Compares against whole vectors (not scalars), which the compiler
    /// lowers to SSE2's or NEON's byte compares; compared with a scalar, it made a loop over the
    /// lanes. The lane is the trailing zero bits of the 0xFF/0x00 lanes read as two words.
    @inline(__always)
    static func firstControlOrDelete(_ chunk: SIMD16<UInt8>) -> Int? {
        let stops = (chunk .<= SIMD16<UInt8>(repeating: 0x1F)) .| (chunk .== SIMD16<UInt8>(repeating: 0x7F))
        return firstLane(stops)
    }

    /// The offset of the first byte of `bytes[start..<end]` that is not a `tchar`, or `end`: a
    /// field name's end. Sixteen bytes at a time skip letters, digits and `-` (every byte of the
    /// usual field names: two range compares and an equality); the byte loop then decides from
    /// the first other byte (the colon, or one of the rarer `tchar`s, after which it goes on).
    @inline(__always)
    static func tokenEnd(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Int {
        var index = start
        while end &- index >= 16 {
            let chunk = bytes.loadUnaligned(fromByteOffset: index, as: SIMD16<UInt8>.self)
            guard let lane = firstLane(.!isLetterDigitOrHyphen(chunk)) else {
                index &+= 16
                continue
            }
            index &+= lane
            break
        }
        while index < end, isTChar(bytes[index]) { index += 1 }
        return index
    }

    /// Which lanes of `chunk` hold a letter, a digit or `-`: `byte | 0x20` is a lowercase letter
    /// exactly when `byte` is a letter; the ranges are tested as wrapping differences.
    @inline(__always)
    static func isLetterDigitOrHyphen(_ chunk: SIMD16<UInt8>) -> SIMDMask<SIMD16<Int8>> {
        let lowercased = chunk | SIMD16<UInt8>(repeating: 0x20)
        let letter = (lowercased &- SIMD16<UInt8>(repeating: 0x61)) .<= SIMD16<UInt8>(repeating: 25)
        let digit = (chunk &- SIMD16<UInt8>(repeating: 0x30)) .<= SIMD16<UInt8>(repeating: 9)
        return letter .| digit .| (chunk .== SIMD16<UInt8>(repeating: 0x2D))
    }

    /// The first lane set in `mask`, or nil.
    @inline(__always)
    static func firstLane(_ mask: SIMDMask<SIMD16<Int8>>) -> Int? {
        guard any(mask) else { return nil }
        let lanes = SIMD16<UInt8>(repeating: 0).replacing(with: 0xFF, where: mask)
        let words = unsafeBitCast(lanes, to: SIMD2<UInt64>.self)
        // Lane 0 is the lowest-addressed byte: the low byte of a little-endian word.
        let low = UInt64(littleEndian: words[0])
        let high = UInt64(littleEndian: words[1])
        return low != 0 ? low.trailingZeroBitCount &>> 3 : 8 &+ (high.trailingZeroBitCount &>> 3)
    }

    /// Whether any byte of `word` is below 0x20 or is 0x7F (exact as a yes or no: the classic
    /// "has a byte less than n" and "has a zero byte" word tests; bytes 0x80–0xFF count as
    /// neither).
    @inline(__always)
    static func hasControlOrDelete(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        let below20 = (word &- ones &* 0x20) & ~word & highBits
        let delete = word ^ (ones &* 0x7F)
        let isDelete = (delete &- ones) & ~delete & highBits
        return below20 | isDelete != 0
    }

    /// VCHAR (RFC 5234 B.1): the bytes a request target may hold (RFC 9112 §3.2, RFC 3986).
    @inline(__always)
    static func isVisible(_ byte: UInt8) -> Bool {
        byte &- 0x21 < 0x5E
    }

    /// OWS (RFC 9110 §5.6.3).
    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == sp || byte == htab
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool {
        byte &- 0x30 < 10
    }

    @inline(__always)
    static func isAlpha(_ byte: UInt8) -> Bool {
        (byte | 0x20) &- 0x61 < 26
    }

    /// The value of a HEXDIG, or nil.
    @inline(__always)
    static func hexValue(_ byte: UInt8) -> Int? {
        if byte &- 0x30 < 10 { return Int(byte &- 0x30) }
        let lower = byte | 0x20
        if lower &- 0x61 < 6 { return Int(lower &- 0x61) + 10 }
        return nil
    }

    @inline(__always)
    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte &- 0x41 < 26 ? byte | 0x20 : byte
    }

    /// Whether `bytes[range]` equals `lowercase` with the bytes' ASCII letters lowercased.
    @inline(__always)
    static func equalsLowercase(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ lowercase: StaticString) -> Bool
    {
        guard range.count == lowercase.utf8CodeUnitCount else { return false }
        let other = lowercase.utf8Start
        var index = 0
        for offset in range {
            guard lowercased(bytes[offset]) == other[index] else { return false }
            index += 1
        }
        return true
    }

    /// Whether `bytes[range]` equals `other` exactly.
    @inline(__always)
    static func equals(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ other: StaticString) -> Bool {
        guard range.count == other.utf8CodeUnitCount else { return false }
        let start = other.utf8Start
        var index = 0
        for offset in range {
            guard bytes[offset] == start[index] else { return false }
            index += 1
        }
        return true
    }

    /// Whether the comma-separated list in `bytes[range]` has an element equal to
    /// `lowercaseToken` (ASCII-case-insensitively, the element trimmed of OWS; with
    /// `trailingTab` false, an HTAB after the element makes it another element).
    static func listContains(
        _ bytes: UnsafeRawBufferPointer,
        _ range: Range<Int>,
        _ lowercaseToken: StaticString,
        trailingTab: Bool = true
    ) -> Bool {
        var found = false
        HTTP1FieldList.forEachElement(bytes, range, trailingTab: trailingTab) { element in
            found = equalsLowercase(bytes, element, lowercaseToken)
            return !found
        }
        return found
    }
}
