/// The elements of a comma-separated field value (RFC 9110 §5.6.1), as byte ranges: the one walk
/// behind the codec's `Connection` checks and the proxy's reading of `Connection` options.
public enum HTTP1FieldList {
    /// Calls `body` with the range of each non-empty element of the list in `bytes[range]`,
    /// trimmed of OWS (with `trailingTab` false an HTAB after an element stays part of it), in
    /// order, until `body` returns false.
    @inlinable
    public static func forEachElement(
        _ bytes: UnsafeRawBufferPointer,
        _ range: Range<Int>,
        trailingTab: Bool = true,
        _ body: (Range<Int>) -> Bool
    ) {
        var elementStart = range.lowerBound
        var index = range.lowerBound
        while index <= range.upperBound {
            if index == range.upperBound || bytes[index] == UInt8(ascii: ",") {
                var start = elementStart
                var end = index
                while start < end, bytes[start] == UInt8(ascii: " ") || bytes[start] == UInt8(ascii: "\t") { start += 1 }
                while end > start, bytes[end - 1] == UInt8(ascii: " ") || (trailingTab && bytes[end - 1] == UInt8(ascii: "\t")) {
                    end -= 1
                }
                if start < end, !body(start..<end) { return }
                elementStart = index + 1
            }
            index += 1
        }
    }
}
