import NIOHTTP2

/// The open streams of one HTTP/2 connection, by stream ID, in the order they opened (which,
/// client stream IDs only growing, is ascending ID order).
///
/// A small array searched from its newest end, not a `Dictionary`: a connection has at most
/// 128 streams open and usually a handful, and comparing that many 32-bit IDs costs less than
/// hashing every lookup with SipHash, which was about 2.5 % of the HTTP/2 path's CPU (a request
/// looks its stream up a few dozen times). Written by hand: no package here offers a small map
/// with in-place mutation of its values.
struct HTTP2StreamTable<Value> {
    private var ids: [HTTP2StreamID] = []
    /// Parallel to `ids`; optional only so that `subscript`'s `_modify` can yield a value in
    /// place and learn whether it was removed. Never nil between calls.
    private var values: [Value?] = []

    init() {
        self.ids.reserveCapacity(16)
        self.values.reserveCapacity(16)
    }

    var isEmpty: Bool { self.ids.isEmpty }
    var count: Int { self.ids.count }
    /// The open streams' IDs, oldest first.
    var keys: [HTTP2StreamID] { self.ids }

    /// Searched from the newest end: the streams a connection is busy with are its newest.
    private func index(of id: HTTP2StreamID) -> Int? {
        self.ids.lastIndex(of: id)
    }

    /// The stream's value; setting nil removes it. Mutations through the subscript happen in
    /// place, without copying the value out and back.
    subscript(id: HTTP2StreamID) -> Value? {
        get {
            guard let index = self.index(of: id) else { return nil }
            return self.values[index]
        }
        _modify {
            if let index = self.index(of: id) {
                yield &self.values[index]
                if case .none = self.values[index] {
                    self.ids.remove(at: index)
                    self.values.remove(at: index)
                }
            } else {
                var added: Value? = nil
                yield &added
                if let added {
                    self.ids.append(id)
                    self.values.append(added)
                }
            }
        }
    }

    /// Removes the stream; returns its value if it was open.
    @discardableResult
    mutating func removeValue(forKey id: HTTP2StreamID) -> Value? {
        guard let index = self.index(of: id) else { return nil }
        self.ids.remove(at: index)
        return self.values.remove(at: index)
    }
}

extension HTTP2StreamTable: Sequence {
    /// The open streams, oldest first.
    func makeIterator() -> some IteratorProtocol<(key: HTTP2StreamID, value: Value)> {
        zip(self.ids, self.values).lazy.map { (key: $0.0, value: $0.1!) }.makeIterator()
    }
}
