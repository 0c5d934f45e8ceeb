extension String {
    /// The index of the first UTF-8 byte equal to `byte` (an ASCII byte, so never inside a
    /// multi-byte character), or nil.
    ///
    /// One pass over the string's contiguous bytes: `utf8.firstIndex(of:)` walks the view's
    /// indices at about 16 instructions a byte, and the request path looks for a target's `?`
    /// three times per request.
    public func firstIndex(ofASCII byte: UInt8) -> String.Index? {
        precondition(byte < 0x80, "an ASCII byte")
        var text = self
        let offset: Int? = text.withUTF8 { bytes in bytes.firstIndex(of: byte) }
        return offset.map { self.utf8.index(self.utf8.startIndex, offsetBy: $0) }
    }
}

extension String {
    /// For a request target: the part before the first `?` (its path), the whole target when it
    /// has no query.
    public var targetPath: Substring {
        guard let mark = self.firstIndex(ofASCII: UInt8(ascii: "?")) else { return self[...] }
        return self[..<mark]
    }

    /// For a request target: its query from the first `?` on, the `?` included; empty when it
    /// has none.
    public var targetQuery: Substring {
        guard let mark = self.firstIndex(ofASCII: UInt8(ascii: "?")) else { return "" }
        return self[mark...]
    }
}
